import { describe, expect, it } from "vitest";
import { functionCatalogue, type MachineInfo } from "@handoff/core";
import type { DagFile } from "@handoff/protocol";
import { checkDagLocally, groupProblems } from "./task-problems.ts";

function dag(tasks: DagFile["tasks"]): DagFile {
  return { format: "handoff.dag", version: 1, name: "test", tasks };
}

const machines: MachineInfo[] = [
  { name: "small", capacity: { slots: 2, cpu: 2 }, functions: new Set(["std.constant", "std.sum"]), status: "online" },
  { name: "big", capacity: { slots: 4, cpu: 8 }, functions: new Set(["std.constant", "std.sum"]), status: "online" },
];

const catalogue = functionCatalogue([
  { name: "small", status: "online", functions: [{ name: "std.constant", inputs: { kind: "named", names: [] }, params: { type: "array", prefixItems: [{}], minItems: 1, maxItems: 1 } }] },
]);

describe("checkDagLocally", () => {
  it("flags a call that does not match its function's signature, on its task, while the DAG is drawn", () => {
    const { byTask } = groupProblems(checkDagLocally(dag([{ id: "c", fn: "std.constant" }, { id: "d", fn: "std.constant", args: ["c"], extraArgs: [1] }]), machines, catalogue));
    expect(byTask.get("c")).toEqual([{ kind: "invalid_task", message: 'task "c": std.constant\'s extra args: needs at least 1 item, got 0' }]);
    expect(byTask.get("d")).toEqual([{ kind: "invalid_task", message: 'task "d": std.constant takes no inputs, got 1' }]);
  });

  it("finds nothing wrong with a valid DAG the cluster can run", () => {
    const file = dag([
      { id: "a", fn: "std.constant", extraArgs: [1] },
      { id: "b", fn: "std.sum", args: ["a"], cost: { cpu: 4 } },
    ]);
    expect(checkDagLocally(file, machines)).toEqual([]);
  });

  it("flags a cost no machine can hold, naming the closest machine", () => {
    const { byTask } = groupProblems(checkDagLocally(dag([{ id: "heavy", fn: "std.sum", cost: { cpu: 64 } }]), machines));
    const [problem] = byTask.get("heavy") ?? [];
    expect(problem?.kind).toBe("infeasible");
    expect(problem?.message).toContain("big");
  });

  it("flags a function no online machine offers", () => {
    const { byTask } = groupProblems(checkDagLocally(dag([{ id: "x", fn: "image.resize" }]), machines));
    expect(byTask.get("x")?.map((p) => p.kind)).toEqual(["unknown_function"]);
  });

  it("skips the cluster check while machines are unknown", () => {
    expect(checkDagLocally(dag([{ id: "x", fn: "image.resize" }]), null)).toEqual([]);
  });

  it("ties a schema issue to its task", () => {
    const { byTask } = groupProblems(checkDagLocally(dag([{ id: "x", fn: "std.sum", cost: { cpu: -1 } }]), null));
    expect(byTask.get("x")?.some((p) => p.message.includes("cost"))).toBe(true);
  });
});

describe("groupProblems", () => {
  it("marks every task of a cycle and shows a problem found twice once", () => {
    const cycle = { kind: "cycle" as const, path: ["a", "b", "a"], message: "cycle: a → b → a" };
    const { byTask, general } = groupProblems([cycle], [cycle]);
    expect(byTask.get("a")).toEqual([{ kind: "cycle", message: "cycle: a → b → a" }]);
    expect(byTask.get("b")).toHaveLength(1);
    expect(general).toEqual([]);
  });
  it("keeps problems without a task as general ones", () => {
    const { general } = groupProblems([{ kind: "invalid_task", taskId: null, field: "tasks", message: "the DAG has no tasks" }]);
    expect(general).toEqual([{ kind: "invalid_task", message: "the DAG has no tasks" }]);
  });
});
