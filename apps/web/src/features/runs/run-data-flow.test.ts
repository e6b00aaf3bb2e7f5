import { describe, expect, it } from "vitest";
import { edgeKey, edgeTransfers, machineTransfers, resultsByMachine } from "./run-data-flow.ts";

const attempts = [
  { taskId: "a", machine: "m1", metrics: null },
  { taskId: "b", machine: "m2", metrics: { transfers: [{ taskId: "a", from: "m1", bytes: 100 }] } },
  { taskId: "b", machine: "m2", metrics: { transfers: [{ taskId: "a", from: "m1", bytes: 100 }] } },
  { taskId: "c", machine: "m1", metrics: { transfers: [{ taskId: "b", from: "m2", bytes: 7 }] } },
];

describe("where a run's data is and what moved", () => {
  it("sums the bytes each edge moved, with its machines", () => {
    const edges = edgeTransfers(attempts);
    expect(edges.get(edgeKey("a", "b"))).toEqual({ bytes: 200, from: "m1", to: "m2" });
    expect(edges.get(edgeKey("b", "c"))).toEqual({ bytes: 7, from: "m2", to: "m1" });
    expect(edges.has(edgeKey("a", "c"))).toBe(false);
  });

  it("sums the bytes between machines, most first", () => {
    expect(machineTransfers(attempts)).toEqual([
      { from: "m1", to: "m2", bytes: 200, values: 2 },
      { from: "m2", to: "m1", bytes: 7, values: 1 },
    ]);
  });

  it("lists what each machine holds, without lost results", () => {
    const tasks = [
      { taskId: "a", result: { machine: "m2", size: 3 }, lost: null, reusedFrom: "old" },
      { taskId: "b", result: { machine: "m1", size: 4 }, lost: null, reusedFrom: null },
      { taskId: "c", result: { machine: "m1", size: 5 }, lost: { at: "x", machine: "m1" }, reusedFrom: null },
      { taskId: "d", result: null, lost: null, reusedFrom: null },
    ];
    expect(resultsByMachine(tasks).map((entry) => [entry.machine, entry.tasks.map((task) => task.taskId), entry.bytes])).toEqual([
      ["m1", ["b"], 4],
      ["m2", ["a"], 3],
    ]);
  });
});
