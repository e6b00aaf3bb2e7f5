import { describe, expect, it } from "vitest";
import type { TaskSpec } from "../dag/model.ts";
import type { AllocMachine } from "./allocation.ts";
import { previewPlacement } from "./preview-placement.ts";

const machine = (name: string, free: Record<string, number>): AllocMachine => ({ name, free, total: free, functions: new Set(["f"]) });

describe("previewPlacement", () => {
  it("places a task with the cost one attempt claims, a slot included", () => {
    const tasks: TaskSpec[] = [{ id: "a", fn: "f", cost: { cpu: 1 } }];
    expect(previewPlacement({ tasks }, [machine("busy", { cpu: 4, slots: 0 }), machine("free", { cpu: 4, slots: 1 })])).toMatchObject({ a: { machine: "free" } });
  });

  it("places a collocation group where the members' merged cost fits, and its members there", () => {
    const tasks: TaskSpec[] = [
      { id: "a", fn: "f", cost: { cpu: 2 } },
      { id: "b", fn: "f", cost: { cpu: 2 }, placement: { kind: "collocated", with: "a" } },
    ];
    // m1 fits each member alone but not both: the scheduler would place the group on m2.
    const preview = previewPlacement({ tasks }, [machine("m1", { cpu: 3, slots: 4 }), machine("m2", { cpu: 4, slots: 4 })]);
    expect(preview).toMatchObject({ a: { machine: "m2" }, b: { machine: "m2", reason: 'collocated with "a"' } });
  });

  it("says why an inline task has no machine, and previews a DAG whose collocation loops", () => {
    const tasks: TaskSpec[] = [
      { id: "x", fn: "f", type: "inline" },
      { id: "a", fn: "f", placement: { kind: "collocated", with: "b" } },
      { id: "b", fn: "f", placement: { kind: "collocated", with: "a" } },
    ];
    const preview = previewPlacement({ tasks }, [machine("m1", { slots: 2 })]);
    expect(preview["x"]).toEqual({ machine: null, reason: "inline: evaluated on each consumer's machine" });
    expect(preview["a"]?.machine).toBe("m1");
    expect(preview["b"]?.machine).toBe("m1");
  });
});
