import { describe, expect, it } from "vitest";
import type { DagSpec, TaskSpec } from "./model.ts";
import { taskIndex, taskPositions, validateDag } from "./validate-dag.ts";

const dag = (...tasks: TaskSpec[]): DagSpec => ({ tasks });
const t = (id: string, args: string[] = [], extra: Partial<TaskSpec> = {}): TaskSpec => ({ id, fn: "f", args, ...extra });
/** Lets a test hand the validator what a careless client might send. */
const raw = (task: Record<string, unknown>): TaskSpec => task as unknown as TaskSpec;

describe("when the DAG is valid", () => {
  it("returns no problems", () => {
    expect(
      validateDag(
        dag(
          t("a"),
          t("b", ["a"], { cost: { cpu: 1 }, maxRetries: 0, timeoutMs: 10, retryBackoff: { initialMs: 0, factor: 2, maxMs: 100 }, retryOn: ["timeout", "function_failed"] }),
          t("c", ["a", "b"], { argumentInclusion: "as_list", placement: { kind: "pinned", machine: "m1" } }),
          { id: "i", fn: "g", type: "inline", args: [{ from: "c", encode: { fn: "zip" }, decode: { fn: "unzip", args: [1] } }] },
          t("d", ["i", "a"], { placement: { kind: "collocated", with: "b" } }),
        ),
      ),
    ).toEqual([]);
  });

  it("allows the same producer twice in one task's args", () => {
    expect(validateDag(dag(t("a"), t("b", ["a", "a"])))).toEqual([]);
  });
});

describe("when the DAG is empty", () => {
  it("reports the missing tasks", () => {
    expect(validateDag(dag())).toEqual([{ kind: "invalid_task", taskId: null, field: "tasks", message: "the DAG has no tasks" }]);
  });
});

describe("when task fields are malformed", () => {
  it("reports duplicate ids and empty ids and functions", () => {
    const problems = validateDag(dag(t("a"), t("a"), raw({ id: "", fn: "f" }), raw({ id: "b", fn: "" }), raw({ id: 7, fn: "f" })));
    expect(problems).toEqual([
      expect.objectContaining({ kind: "invalid_task", taskId: "a", field: "id" }),
      expect.objectContaining({ kind: "invalid_task", taskId: null, field: "id" }),
      expect.objectContaining({ kind: "invalid_task", taskId: "b", field: "fn" }),
      expect.objectContaining({ kind: "invalid_task", taskId: null, field: "id" }),
    ]);
    expect(problems[0]?.message).toContain("more than once");
  });

  it("finds the same problems with the positions given as without", () => {
    const tasks = [t("a"), t("b", ["a"]), t("a", ["b"]), raw({ id: 7, fn: "f" }), raw({ id: "c", fn: "f", placement: { kind: "collocated", with: "a" } })];
    const positions = taskPositions(tasks);
    expect([...positions]).toEqual([["a", 0], ["b", 1], ["c", 4]]);
    expect(validateDag(dag(...tasks), undefined, positions)).toEqual(validateDag(dag(...tasks)));
    expect(validateDag(dag(...tasks)).filter((problem) => problem.message.includes("more than once"))).toHaveLength(1);
  });

  it("reports unknown dependencies once per task and dependency", () => {
    expect(validateDag(dag(t("a", ["ghost", "ghost"]), t("b", [], { args: [{ from: "phantom" }] })))).toEqual([
      expect.objectContaining({ kind: "missing_task", taskId: "a", dependsOn: "ghost" }),
      expect.objectContaining({ kind: "missing_task", taskId: "b", dependsOn: "phantom" }),
    ]);
  });

  it("reports malformed arguments with their position", () => {
    const problems = validateDag(
      dag(t("a"), raw({ id: "b", fn: "f", args: ["a", 3, { from: "a", encode: { args: [] } }, { to: "a" }] })),
    );
    expect(problems.map((problem) => (problem.kind === "invalid_task" ? problem.field : problem.kind))).toEqual([
      "args[1]",
      "args[2]",
      "args[3]",
    ]);
  });

  it("reports each bad cost value by key", () => {
    const problems = validateDag(dag(raw({ id: "a", fn: "f", cost: { cpu: -1, memory: Infinity, gpu: "1", slots: 1 } })));
    expect(problems.map((problem) => (problem.kind === "invalid_task" ? problem.field : ""))).toEqual(["cost.cpu", "cost.memory", "cost.gpu"]);
  });

  it("reports bad retries, timeouts, backoff, type and argument inclusion", () => {
    const problems = validateDag(
      dag(
        raw({ id: "a", fn: "f", maxRetries: 1.5, timeoutMs: 0, type: "input", argumentInclusion: "spread" }),
        raw({ id: "b", fn: "f", maxRetries: -1, timeoutMs: Number.NaN, retryBackoff: { initialMs: -5, factor: 0.5, maxMs: "x" } }),
        raw({ id: "c", fn: "f", retryBackoff: 10 }),
      ),
    );
    const fields = problems.map((problem) => (problem.kind === "invalid_task" ? `${problem.taskId}:${problem.field}` : ""));
    expect(fields).toEqual([
      "a:argumentInclusion",
      "a:type",
      "a:maxRetries",
      "a:timeoutMs",
      "b:maxRetries",
      "b:timeoutMs",
      "b:retryBackoff.initialMs",
      "b:retryBackoff.factor",
      "b:retryBackoff.maxMs",
      "c:retryBackoff",
    ]);
  });

  it("names every retryOn entry that is not a kind a retry can fix", () => {
    const problems = validateDag(
      dag(
        raw({ id: "a", fn: "f", retryOn: ["timeout", "non_retryable", "oops", 7] }),
        raw({ id: "b", fn: "f", retryOn: "timeout" }),
        raw({ id: "c", fn: "f", retryOn: ["timeout", "timeout"] }),
      ),
    );
    const messages = problems.map((problem) => (problem.kind === "invalid_task" ? `${problem.taskId}:${problem.field}: ${problem.message}` : ""));
    expect(messages).toEqual([
      'a:retryOn[1]: task "a": retryOn[1] is "non_retryable", not an error kind a retry can fix (non_retryable errors are never retried)',
      'a:retryOn[2]: task "a": retryOn[2] is "oops", not an error kind a retry can fix (expected one of function_failed, timeout)',
      'a:retryOn[3]: task "a": retryOn[3] is a number, not an error kind a retry can fix (expected one of function_failed, timeout)',
      'b:retryOn: task "b": retryOn must be a list of error kinds (one of function_failed, timeout)',
      'c:retryOn: task "c": retryOn names a kind twice (timeout, timeout)',
    ]);
  });
});

describe("when placements are wrong", () => {
  it("rejects a pinned or collocated inline task", () => {
    const problems = validateDag(
      dag(t("a"), t("i", ["a"], { type: "inline", placement: { kind: "pinned", machine: "m1" } }), t("j", ["a"], { type: "inline", placement: { kind: "collocated", with: "a" } })),
    );
    expect(problems).toEqual([
      expect.objectContaining({ kind: "invalid_task", taskId: "i", field: "placement" }),
      expect.objectContaining({ kind: "invalid_task", taskId: "j", field: "placement" }),
    ]);
  });

  it("rejects a missing or inline collocation target", () => {
    const problems = validateDag(
      dag(t("a"), t("i", ["a"], { type: "inline" }), t("b", [], { placement: { kind: "collocated", with: "nope" } }), t("c", ["i"], { placement: { kind: "collocated", with: "i" } })),
    );
    expect(problems).toEqual([
      expect.objectContaining({ kind: "invalid_task", taskId: "b", field: "placement.with" }),
      expect.objectContaining({ kind: "invalid_task", taskId: "c", field: "placement.with" }),
    ]);
    expect(problems[1]?.message).toContain("inline");
  });

  it("rejects every task on a collocation cycle, including a task collocated with itself", () => {
    const problems = validateDag(
      dag(
        t("a", [], { placement: { kind: "collocated", with: "b" } }),
        t("b", [], { placement: { kind: "collocated", with: "a" } }),
        t("c", [], { placement: { kind: "collocated", with: "a" } }),
        t("self", [], { placement: { kind: "collocated", with: "self" } }),
      ),
    );
    expect(problems.map((problem) => (problem.kind === "invalid_task" ? `${problem.taskId}:${problem.field}` : ""))).toEqual([
      "a:placement.with",
      "b:placement.with",
      "self:placement.with",
    ]);
    expect(problems[0]?.message).toContain("a → b → a");
  });

  it("rejects a pinned placement without a machine and an unknown placement kind", () => {
    const problems = validateDag(dag(raw({ id: "a", fn: "f", placement: { kind: "pinned" } }), raw({ id: "b", fn: "f", placement: { kind: "anywhere" } })));
    expect(problems).toEqual([
      expect.objectContaining({ taskId: "a", field: "placement.machine" }),
      expect.objectContaining({ taskId: "b", field: "placement" }),
    ]);
  });
});

describe("when dependencies form cycles", () => {
  it("reports the whole cycle path in data-flow order", () => {
    // a consumes c, b consumes a, c consumes b: c → a → b → c.
    const problems = validateDag(dag(t("a", ["c"]), t("b", ["a"]), t("c", ["b"])));
    expect(problems).toEqual([expect.objectContaining({ kind: "cycle", path: ["a", "b", "c", "a"] })]);
    expect(problems[0]?.message).toContain("a → b → c → a");
  });

  it("reports a self-dependency", () => {
    expect(validateDag(dag(t("a", ["a"])))).toEqual([expect.objectContaining({ kind: "cycle", path: ["a", "a"] })]);
  });

  it("reports one problem per strongly connected component, together with other problems", () => {
    const problems = validateDag(
      dag(t("a", ["b"]), t("b", ["a"]), t("x", ["y", "ghost"]), t("y", ["x"]), t("z", ["z", "a"]), raw({ id: "bad", fn: 1 })),
    );
    expect(problems).toEqual([
      expect.objectContaining({ kind: "invalid_task", taskId: "bad", field: "fn" }),
      expect.objectContaining({ kind: "missing_task", taskId: "x", dependsOn: "ghost" }),
      expect.objectContaining({ kind: "cycle", path: ["a", "b", "a"] }),
      expect.objectContaining({ kind: "cycle", path: ["x", "y", "x"] }),
      expect.objectContaining({ kind: "cycle", path: ["z", "z"] }),
    ]);
  });

  it("names every member of a component larger than the reported cycle", () => {
    // a ⇄ b and b ⇄ c: one component {a, b, c}; the shortest cycle through a is a → b → a.
    const problems = validateDag(dag(t("a", ["b"]), t("b", ["a", "c"]), t("c", ["b"])));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: "cycle", path: ["a", "b", "a"] });
    expect(problems[0]?.message).toContain("a, b, c");
  });
});

describe("when the DAG is large", () => {
  const size = 100_000;

  it("validates a 100,000-task chain without overflowing the stack", () => {
    const tasks = Array.from({ length: size }, (_, i) => t(`t${i}`, i === 0 ? [] : [`t${i - 1}`]));
    expect(validateDag(dag(...tasks))).toEqual([]);
  });

  it("finds the cycle closing a 100,000-task chain", () => {
    const tasks = Array.from({ length: size }, (_, i) => t(`t${i}`, [`t${(i + size - 1) % size}`]));
    const problems = validateDag(dag(...tasks));
    expect(problems).toHaveLength(1);
    const problem = problems[0]!;
    expect(problem.kind === "cycle" ? problem.path.length : 0).toBe(size + 1);
    expect(problem.kind === "cycle" ? [problem.path[0], problem.path[1], problem.path[size]] : []).toEqual(["t0", "t1", "t0"]);
  });

  it("validates a 100,000-task wide DAG (one source, one sink)", () => {
    const middle = Array.from({ length: size - 2 }, (_, i) => t(`m${i}`, ["source"]));
    const tasks = [t("source"), ...middle, t("sink", middle.map((task) => task.id))];
    expect(validateDag(dag(...tasks))).toEqual([]);
  });
});

describe("taskIndex", () => {
  it("maps ids to tasks, the first occurrence winning", () => {
    const first = t("a");
    const index = taskIndex(dag(first, t("b"), t("a", ["b"])));
    expect(index.get("a")).toBe(first);
    expect([...index.keys()]).toEqual(["a", "b"]);
  });
});
