import { describe, expect, it } from "vitest";
import type { MachineInfo } from "@handoff/core";
import type { DagFile } from "@handoff/protocol";
import { checkDagLocally, groupProblems } from "./task-problems.ts";

function dag(tasks: DagFile["tasks"]): DagFile {
  return { format: "handoff.dag", version: 1, name: "test", tasks };
}

const machines: MachineInfo[] = [
  { name: "small", capacity: { slots: 2, cpu: 2 }, functions: new Set(["std.constant", "std.sum"]), status: "online" },
  { name: "big", capacity: { slots: 4, cpu: 8 }, functions: new Set(["std.constant", "std.sum"]), status: "online" },
];

describe("checkDagLocally", () => {
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
