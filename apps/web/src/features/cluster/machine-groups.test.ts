import { describe, expect, it } from "vitest";
import type { MachineView } from "../../lib/trpc/api-types.ts";
import { filterMachines, groupMachines, labelKeys, NO_LABEL } from "./machine-groups.ts";
import { mergeSamples, pollSince } from "./load-history-merge.ts";

const machine = (name: string, status: MachineView["status"], labels: Record<string, string> = {}, functions: string[] = []): MachineView =>
  ({ name, status, labels, functions: functions.map((fn) => ({ name: fn })), capacity: {}, claimed: {}, free: {} }) as unknown as MachineView;

const list = [
  machine("gpu-2", "online", { zone: "b", gpu: "1" }, ["image.resize"]),
  machine("gpu-10", "draining", { zone: "a" }),
  machine("cpu-1", "offline", {}, ["std.sum"]),
  machine("cpu-2", "online", { zone: "a" }),
];

describe("filterMachines", () => {
  it("keeps machines whose name, labels or functions hold every word, within one status", () => {
    expect(filterMachines(list, "", "all").map((m) => m.name)).toEqual(["gpu-2", "gpu-10", "cpu-1", "cpu-2"]);
    expect(filterMachines(list, "GPU", "online").map((m) => m.name)).toEqual(["gpu-2"]);
    expect(filterMachines(list, "zone=a", "all").map((m) => m.name)).toEqual(["gpu-10", "cpu-2"]);
    expect(filterMachines(list, "image. zone=b", "all").map((m) => m.name)).toEqual(["gpu-2"]);
    expect(filterMachines(list, "std.sum zone=a", "all")).toEqual([]);
  });
});

describe("groupMachines", () => {
  it("orders statuses online, draining, offline and leaves out empty ones", () => {
    expect(groupMachines(list, { kind: "status" }).map((group) => [group.key, group.machines.length])).toEqual([["online", 2], ["draining", 1], ["offline", 1]]);
    expect(groupMachines([list[0]!], { kind: "status" }).map((group) => group.key)).toEqual(["online"]);
  });

  it("groups by a label's value, sorted, machines without it last", () => {
    const groups = groupMachines(list, { kind: "label", key: "zone" });
    expect(groups.map((group) => group.title)).toEqual(["zone=a", "zone=b", `zone=${NO_LABEL}`]);
    expect(groups[0]!.machines.map((m) => m.name)).toEqual(["cpu-2", "gpu-10"]);
    expect(groupMachines([machine("s-10", "online"), machine("s-2", "online")], { kind: "none" })[0]!.machines.map((m) => m.name)).toEqual(["s-2", "s-10"]);
    expect(labelKeys(list)).toEqual(["gpu", "zone"]);
  });
});

describe("mergeSamples and pollSince", () => {
  it("appends only newer samples, trims the window, and keeps the same array when nothing changed", () => {
    const held = [{ at: 1 }, { at: 2 }, { at: 3 }];
    expect(mergeSamples(held, [{ at: 3 }, { at: 4 }], 0)).toEqual([{ at: 1 }, { at: 2 }, { at: 3 }, { at: 4 }]);
    expect(mergeSamples(held, [{ at: 2 }, { at: 3 }], 0)).toBe(held);
    expect(mergeSamples(held, [{ at: 5 }], 3)).toEqual([{ at: 3 }, { at: 5 }]);
  });

  it("polls from the oldest newest sample among the names, 0 when one has none", () => {
    const held = new Map([["a", [{ at: 5 }, { at: 9 }]], ["b", [{ at: 7 }]]]);
    expect(pollSince(held, ["a", "b"])).toBe(7);
    expect(pollSince(held, ["a", "c"])).toBe(0);
    expect(pollSince(held, [])).toBe(0);
  });
});
