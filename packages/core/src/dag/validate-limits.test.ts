import { describe, expect, it } from "vitest";
import type { DagSpec, TaskSpec } from "./model.ts";
import { validateDag } from "./validate-dag.ts";
import { validateRunOptions } from "./validate-run-options.ts";

const one = (extra: Record<string, unknown>): DagSpec => ({ tasks: [{ id: "t", fn: "f", ...extra } as unknown as TaskSpec] });
const fields = (dag: DagSpec) => validateDag(dag).map((problem) => (problem.kind === "invalid_task" ? `${problem.field}: ${problem.message}` : problem.kind));

function deep(levels: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe("numbers that become timers and counts (issue 10 §3)", () => {
  it.each([
    ["a task timeoutMs of 3e9 (fired at once, then a 1 ms timer flooded the log)", { timeoutMs: 3e9 }, "timeoutMs"],
    ["a backoff factor of 1e308 (retrying in 1e+308 ms)", { retryBackoff: { initialMs: 10, factor: 1e308 } }, "retryBackoff.factor"],
    ["a backoff factor below 1", { retryBackoff: { initialMs: 10, factor: 0.5 } }, "retryBackoff.factor"],
    ["a backoff initial delay over 1 h", { retryBackoff: { initialMs: 3_600_001 } }, "retryBackoff.initialMs"],
    ["a backoff maximum over 24 h", { retryBackoff: { initialMs: 1, maxMs: 86_400_001 } }, "retryBackoff.maxMs"],
    ["maxRetries of 1e9 (24,000 attempts in 10 s)", { maxRetries: 1e9 }, "maxRetries"],
    ["a fractional maxRetries", { maxRetries: 1.5 }, "maxRetries"],
    ["a cost of 1e308", { cost: { memory: 1e308 } }, "cost.memory"],
  ])("rejects %s, naming the field", (_what, extra, field) => {
    const problems = fields(one(extra));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${field.replace(/\./g, "\\.")}: task "t": ${field.replace(/\./g, "\\.")} must be`));
  });

  it("accepts the bounds themselves", () => {
    expect(fields(one({ timeoutMs: 86_400_000, maxRetries: 100, retryBackoff: { initialMs: 3_600_000, factor: 10, maxMs: 86_400_000 }, cost: { cpu: 1e12 } }))).toEqual([]);
  });

  it("rejects run options past the bounds (a 30-day run timeout is past what setTimeout holds)", () => {
    expect(validateRunOptions({ timeoutMs: 30 * 86_400_000, maxRetries: 1e9 }).map((problem) => problem.kind === "invalid_task" && problem.field)).toEqual([
      "options.timeoutMs",
      "options.maxRetries",
    ]);
    expect(validateRunOptions({ timeoutMs: 86_400_000, maxRetries: 100 })).toEqual([]);
  });
});

describe("very deep values (issue 10 §3)", () => {
  it("answers extraArgs nested 100,000 levels with invalid_task and the path, not a stack overflow", () => {
    const problems = validateDag(one({ extraArgs: [deep(100_000)] }));
    expect(problems).toEqual([
      expect.objectContaining({ kind: "invalid_task", taskId: "t", field: expect.stringMatching(/^extraArgs\[0\]\[0\]/) as unknown, message: expect.stringContaining("nests deeper than 256 levels") as unknown }),
    ]);
  });

  it("checks an edge transform's args too", () => {
    const dag: DagSpec = { tasks: [{ id: "a", fn: "f" }, { id: "b", fn: "f", args: [{ from: "a", encode: { fn: "z", args: [deep(300)] } }] }] };
    expect(fields(dag)).toEqual([expect.stringMatching(/^args\[0\]\.encode\.args\[0\]/)]);
  });

  it("accepts 200 levels", () => {
    expect(fields(one({ extraArgs: [deep(200)] }))).toEqual([]);
  });
});
