import { describe, expect, it } from "vitest";
import { dagOf, helloFrom } from "./engine.test-support.ts";
import { newMachine, type LiveMachine } from "./live-machine.ts";
import { previewPlacement } from "./placement-preview.ts";

function machine(name: string, status: LiveMachine["status"] = "online"): LiveMachine {
  const created = newMachine(name, { cpu: 2, slots: 2 }, status);
  created.functions = helloFrom(name).functions;
  return created;
}

describe("when the editor previews where tasks would start", () => {
  it("places each task on its own, follows collocation, and explains inline and unplaceable tasks", () => {
    const { dag } = dagOf([
      { id: "a", fn: "std.constant", extraArgs: [1] },
      { id: "b", fn: "std.identity", args: ["a"], placement: { kind: "collocated", with: "a" } },
      { id: "c", fn: "std.identity", args: ["a"], type: "inline" },
      { id: "d", fn: "std.constant", extraArgs: [1], placement: { kind: "pinned", machine: "drained" } },
    ]);
    const machines = [machine("m1"), machine("drained", "draining")];
    const preview = previewPlacement({ machines, free: () => ({ cpu: 2, slots: 2 }) }, dag, "first_available");
    expect(preview["a"]).toMatchObject({ machine: "m1", explanation: { machine: "m1", rule: "first_fit", turnedDown: [{ reason: "draining", count: 1 }] } });
    expect(preview["b"]).toMatchObject({ machine: "m1", reason: 'collocated with "a"', explanation: { rule: "collocated" } });
    expect(preview["c"]).toEqual({ machine: null, reason: "inline: evaluated on each consumer's machine" });
    expect(preview["d"]?.machine).toBeNull();
    expect(preview["d"]?.reason).toEqual(expect.any(String));
    // The one machine it may go to is draining; the other is turned down as not the one it is pinned to.
    expect(preview["d"]?.explanation?.turnedDown).toEqual([
      { reason: "draining", count: 1 },
      { reason: "pinned_elsewhere", count: 1 },
    ]);
  });
});
