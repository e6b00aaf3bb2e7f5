import { describe, expect, it } from "vitest";
import type { DagSpec, TaskSpec } from "../dag/model.ts";
import { checkFeasibility, neededFunctions, type MachineInfo } from "./check-feasibility.ts";

const dag = (...tasks: TaskSpec[]): DagSpec => ({ tasks });

function machine(name: string, capacity: Record<string, number>, functions: string[], status: MachineInfo["status"] = "online"): MachineInfo {
  return { name, capacity, functions: new Set(functions), status };
}

describe("neededFunctions", () => {
  it("lists a task's own function and the encode of its outgoing edges, the decode of its incoming ones", () => {
    const needs = neededFunctions(
      dag({ id: "a", fn: "load" }, { id: "b", fn: "sum", args: [{ from: "a", encode: { fn: "zip" }, decode: { fn: "unzip" } }] }),
    );
    expect(needs.get("a")).toEqual([
      { fn: "load", neededBy: "task" },
      { fn: "zip", neededBy: "encode on edge a→b" },
    ]);
    expect(needs.get("b")).toEqual([
      { fn: "sum", neededBy: "task" },
      { fn: "unzip", neededBy: "decode on edge a→b" },
    ]);
  });

  it("gives the tasks that need only their own function one shared list per function, and judges each task", () => {
    const needs = neededFunctions(dag({ id: "a", fn: "f" }, { id: "b", fn: "f", args: ["a"] }, { id: "c", fn: "g", args: ["a", "b"] }, { id: "d", fn: "f", args: [{ from: "c", decode: { fn: "h" } }] }));
    expect(needs.get("a")).toBe(needs.get("b"));
    expect(needs.get("a")).toEqual([{ fn: "f", neededBy: "task" }]);
    expect(needs.get("c")).toEqual([{ fn: "g", neededBy: "task" }]);
    expect(needs.get("d")).toEqual([{ fn: "f", neededBy: "task" }, { fn: "h", neededBy: "decode on edge c→d" }]);
    const problems = checkFeasibility(dag({ id: "a", fn: "f" }, { id: "b", fn: "f", args: ["a"] }, { id: "c", fn: "g" }), [machine("m1", { slots: 1 }, ["g"])]);
    expect(problems.map((problem) => [problem.kind, "taskId" in problem ? problem.taskId : null])).toEqual([["unknown_function", "a"], ["unknown_function", "b"]]);
  });

  it("puts a chain of inline tasks, with the transforms inside it, on the consumer's machine", () => {
    const needs = neededFunctions(
      dag(
        { id: "a", fn: "load" },
        { id: "i1", fn: "pick", type: "inline", args: [{ from: "a", encode: { fn: "e1" }, decode: { fn: "d1" } }] },
        { id: "i2", fn: "shape", type: "inline", args: [{ from: "i1", encode: { fn: "e2" }, decode: { fn: "d2" } }] },
        { id: "b", fn: "train", args: [{ from: "i2", encode: { fn: "e3" }, decode: { fn: "d3" } }] },
      ),
    );
    expect(needs.get("a")).toEqual([
      { fn: "load", neededBy: "task" },
      { fn: "e1", neededBy: "encode on edge a→i1" },
    ]);
    expect(needs.get("b")).toEqual([
      { fn: "train", neededBy: "task" },
      { fn: "d3", neededBy: "decode on edge i2→b" },
      { fn: "e3", neededBy: "encode on edge i2→b" },
      { fn: "shape", neededBy: "inline dependency i2" },
      { fn: "d2", neededBy: "decode on edge i1→i2" },
      { fn: "e2", neededBy: "encode on edge i1→i2" },
      { fn: "pick", neededBy: "inline dependency i1" },
      { fn: "d1", neededBy: "decode on edge a→i1" },
    ]);
    expect(needs.has("i1")).toBe(false);
    expect(needs.has("i2")).toBe(false);
  });

  it("lists a function once, with the first reason", () => {
    const needs = neededFunctions(dag({ id: "a", fn: "f" }, { id: "b", fn: "f", args: [{ from: "a", decode: { fn: "f" } }] }));
    expect(needs.get("b")).toEqual([{ fn: "f", neededBy: "task" }]);
  });
});

describe("checkFeasibility", () => {
  const worker = machine("worker", { slots: 4, cpu: 8, memory: 4000 }, ["load", "train", "zip"]);

  it("accepts a DAG every task of which fits an online machine", () => {
    const spec = dag({ id: "a", fn: "load", cost: { cpu: 8 } }, { id: "b", fn: "train", args: [{ from: "a", encode: { fn: "zip" } }] });
    expect(checkFeasibility(spec, [worker])).toEqual([]);
  });

  it("names a function no online machine offers, with what needs it", () => {
    const spec = dag({ id: "a", fn: "load" }, { id: "b", fn: "train", args: [{ from: "a", encode: { fn: "compress" } }] });
    const offline = machine("spare", { slots: 4 }, ["compress"], "offline");
    expect(checkFeasibility(spec, [worker, offline])).toEqual([
      expect.objectContaining({ kind: "unknown_function", taskId: "a", fn: "compress", neededBy: "encode on edge a→b" }),
    ]);
  });

  it("reports an inline dependency's function against its consumer", () => {
    const spec = dag({ id: "a", fn: "load" }, { id: "i", fn: "peek", type: "inline", args: ["a"] }, { id: "b", fn: "train", args: ["i"] });
    expect(checkFeasibility(spec, [worker])).toEqual([
      expect.objectContaining({ kind: "unknown_function", taskId: "b", fn: "peek", neededBy: "inline dependency i" }),
    ]);
  });

  it("rejects a task pinned to an unknown or non-online machine, saying which", () => {
    const spec = dag(
      { id: "a", fn: "load", placement: { kind: "pinned", machine: "ghost" } },
      { id: "b", fn: "load", placement: { kind: "pinned", machine: "drainer" } },
    );
    const problems = checkFeasibility(spec, [worker, machine("drainer", { slots: 4 }, ["load"], "draining")]);
    expect(problems).toEqual([
      expect.objectContaining({ kind: "infeasible", taskId: "a", closestMachine: null }),
      expect.objectContaining({ kind: "infeasible", taskId: "b", closestMachine: null }),
    ]);
    expect(problems[0]?.message).toContain('"ghost", which is not a known machine');
    expect(problems[1]?.message).toContain('"drainer", which is draining');
  });

  it("rejects a cost no eligible machine's total capacity fits, naming the closest and what it lacks", () => {
    const spec = dag({ id: "a", fn: "load", cost: { cpu: 10, gpu: 1 } });
    const small = machine("small", { slots: 1, cpu: 2, gpu: 1 }, ["load"]);
    const noLoad = machine("big", { slots: 8, cpu: 64, gpu: 8 }, ["train"]);
    expect(checkFeasibility(spec, [worker, small, noLoad])).toEqual([
      expect.objectContaining({ kind: "infeasible", taskId: "a", closestMachine: "worker", lacks: { cpu: 2, gpu: 1 } }),
    ]);
  });

  it("ignores capacity of machines that are not online", () => {
    const spec = dag({ id: "a", fn: "load", cost: { cpu: 16 } });
    const offline = machine("huge", { slots: 4, cpu: 64 }, ["load"], "offline");
    expect(checkFeasibility(spec, [worker, offline])).toEqual([
      expect.objectContaining({ kind: "infeasible", taskId: "a", closestMachine: "worker", lacks: { cpu: 8 } }),
    ]);
  });

  describe("when tasks are collocated", () => {
    const chain = dag(
      { id: "f1", fn: "load", cost: { cpu: 2 } },
      { id: "f2", fn: "train", cost: { cpu: 2 }, placement: { kind: "collocated", with: "f1" } },
      { id: "f3", fn: "train", cost: { cpu: 2 }, placement: { kind: "collocated", with: "f2" } },
    );

    it("accepts the group when one machine fits the merged cost and one slot per task", () => {
      expect(checkFeasibility(chain, [machine("m", { slots: 3, cpu: 6 }, ["load", "train"])])).toEqual([]);
    });

    it("rejects every member when the group's merged cost does not fit", () => {
      const problems = checkFeasibility(chain, [machine("m", { slots: 2, cpu: 5 }, ["load", "train"])]);
      expect(problems).toEqual(
        ["f1", "f2", "f3"].map((taskId): unknown => expect.objectContaining({ kind: "infeasible", taskId, closestMachine: "m", lacks: { cpu: 1 } })),
      );
      expect(problems[2]?.message).toContain("collocation group of 3 tasks");
    });

    it("needs the merged cost and one slot, as the scheduler claims them, not a slot per member", () => {
      expect(checkFeasibility(chain, [machine("m", { slots: 1, cpu: 6 }, ["load", "train"])])).toEqual([]);
      expect(checkFeasibility(chain, [machine("m", { slots: 0, cpu: 6 }, ["load", "train"])])[0]).toMatchObject({ lacks: { slots: 1 } });
    });

    it("rejects the group when no single machine offers every member's functions", () => {
      const problems = checkFeasibility(chain, [machine("loader", { slots: 8, cpu: 8 }, ["load"]), machine("trainer", { slots: 8, cpu: 8 }, ["train"])]);
      expect(problems).toHaveLength(3);
      expect(problems[0]).toMatchObject({ kind: "infeasible", taskId: "f1", closestMachine: null });
      expect(problems[0]?.message).toContain("no single online machine offers all of load, train");
    });

    it("follows the root's pin for the whole group", () => {
      const pinnedChain = dag(
        { id: "f1", fn: "load", placement: { kind: "pinned", machine: "trainer" } },
        { id: "f2", fn: "train", placement: { kind: "collocated", with: "f1" } },
      );
      const problems = checkFeasibility(pinnedChain, [machine("loader", { slots: 8 }, ["load", "train"]), machine("trainer", { slots: 8 }, ["train"])]);
      expect(problems).toEqual([
        expect.objectContaining({ kind: "infeasible", taskId: "f1" }),
        expect.objectContaining({ kind: "infeasible", taskId: "f2" }),
      ]);
      expect(problems[1]?.message).toContain('pinned machine "trainer" does not offer load');
    });
  });

  it("reports every problem of every task, one per kind", () => {
    const spec = dag(
      { id: "a", fn: "missing1", args: [{ from: "b", decode: { fn: "missing2" } }], placement: { kind: "pinned", machine: "ghost" } },
      { id: "b", fn: "load", cost: { gpu: 1 } },
    );
    const problems = checkFeasibility(spec, [worker]);
    expect(problems).toEqual([
      expect.objectContaining({ kind: "unknown_function", taskId: "a", fn: "missing1", neededBy: "task" }),
      expect.objectContaining({ kind: "infeasible", taskId: "a", closestMachine: null }),
      expect.objectContaining({ kind: "infeasible", taskId: "b", closestMachine: "worker", lacks: { gpu: 1 } }),
    ]);
    expect(problems[0]?.message).toContain("missing2 (decode on edge b→a)");
  });

  it("reports every task as needing an unknown function when no machine is online", () => {
    expect(checkFeasibility(dag({ id: "a", fn: "load" }), [])).toEqual([
      expect.objectContaining({ kind: "unknown_function", taskId: "a", fn: "load", neededBy: "task" }),
    ]);
  });
});
