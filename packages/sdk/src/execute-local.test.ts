import { describe, expect, it } from "vitest";
import { Dag, edge } from "./dag-builder.ts";
import { currentTask } from "./current-task.ts";
import { defineFunction, defineTransform } from "./define-function.ts";
import { executeLocal, type LogEntry } from "./execute-local.ts";
import { NonRetryableError } from "./non-retryable-error.ts";

const add = defineFunction({ name: "t.add", run: (...xs: number[]) => xs.reduce((a, b) => a + b, 0) });
const double = defineFunction({ name: "t.double", run: (x: number) => x * 2 });
const slowDouble = defineFunction({
  name: "t.slow_double",
  run: async (x: number) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return x * 2;
  },
});
const collect = defineFunction({ name: "t.collect", run: (items: unknown[], label: string) => `${label}:${JSON.stringify(items)}` });

function counted(name: string, run: (...args: never[]) => unknown): { fn: ReturnType<typeof defineFunction>; calls: () => number } {
  let calls = 0;
  const fn = defineFunction({
    name,
    run: (...args: never[]) => {
      calls += 1;
      return run(...args);
    },
  });
  return { fn, calls: () => calls };
}

describe("executeLocal", () => {
  it("runs Handoff's README example: 42 doubled is 84", async () => {
    const dag = new Dag("readme")
      .addTask({ id: "x", fn: "std.constant", extraArgs: [42] })
      .addTask({ id: "y", fn: "t.double", args: ["x"] });
    const outcome = await executeLocal(dag, { functions: [double] });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results).toEqual({ x: 42, y: 84 });
  });

  it("passes arguments in order, then extra args, for a diamond", async () => {
    const minus = defineFunction({ name: "t.minus", run: (a: number, b: number, c: number) => a - b - c });
    const dag = new Dag()
      .addTask({ id: "a", fn: "std.constant", extraArgs: [10] })
      .addTask({ id: "b", fn: "t.double", args: ["a"] })
      .addTask({ id: "c", fn: "t.slow_double", args: ["a"] })
      .addTask({ id: "d", fn: "t.minus", args: ["c", "a"], extraArgs: [1] });
    const outcome = await executeLocal(dag, { functions: [double, slowDouble, minus] });
    expect(outcome.results).toEqual({ a: 10, b: 20, c: 20, d: 9 });
  });

  it("gives an as_list task one list of its inputs, in argument order", async () => {
    const dag = new Dag()
      .addTask({ id: "p", fn: "std.constant", extraArgs: [1] })
      .addTask({ id: "q", fn: "std.constant", extraArgs: [2] })
      .addTask({ id: "all", fn: "t.collect", args: ["q", "p"], extraArgs: ["got"], argumentInclusion: "as_list" });
    const outcome = await executeLocal(dag, { functions: [collect] });
    expect(outcome.results["all"]).toBe("got:[2,1]");
  });

  it("evaluates an inline task once per consumer and never records it as a result", async () => {
    const inc = counted("t.inc", (x: number) => x + 1);
    const dag = new Dag()
      .addTask({ id: "a", fn: "std.constant", extraArgs: [1] })
      .addTask({ id: "i", fn: "t.inc", args: ["a"], type: "inline" })
      .addTask({ id: "b", fn: "t.double", args: ["i"] })
      .addTask({ id: "c", fn: "t.add", args: ["i", "a"] });
    const outcome = await executeLocal(dag, { functions: [inc.fn, double, add] });
    expect(outcome.results).toEqual({ a: 1, b: 4, c: 3 });
    expect(inc.calls()).toBe(2);
  });

  it("retries a failing function and reports how many attempts it took", async () => {
    let calls = 0;
    const flaky = defineFunction({
      name: "t.flaky",
      run: () => {
        calls += 1;
        if (calls < 3) throw new Error(`flake ${calls}`);
        return currentTask().attempt;
      },
    });
    const outcome = await executeLocal(new Dag().addTask({ id: "f", fn: "t.flaky", retryBackoff: { initialMs: 0 } }), { functions: [flaky] });
    expect(outcome).toMatchObject({ status: "succeeded", results: { f: 3 } });
    expect(calls).toBe(3);
  });

  it("fails after maxRetries + 1 attempts with the function's message", async () => {
    const outcome = await executeLocal(new Dag().addTask({ id: "f", fn: "std.fail", extraArgs: ["disk full"], retryBackoff: { initialMs: 0 } }), { maxRetries: 1 });
    expect(outcome.status).toBe("failed");
    expect(outcome.failures).toEqual([expect.objectContaining({ taskId: "f", kind: "function_failed", attempts: 2 })]);
    expect(outcome.failures[0]?.message).toContain("disk full");
  });

  it("makes one attempt when the function throws NonRetryableError, whatever maxRetries says", async () => {
    const strict = counted("t.strict", () => {
      throw new NonRetryableError("rows must be a list, got a number");
    });
    const outcome = await executeLocal(new Dag().addTask({ id: "s", fn: "t.strict", maxRetries: 5, retryBackoff: { initialMs: 0 } }), { functions: [strict.fn] });
    expect(strict.calls()).toBe(1);
    expect(outcome.status).toBe("failed");
    expect(outcome.failures).toEqual([
      { taskId: "s", kind: "non_retryable", attempts: 1, message: 'task "s" (t.strict) failed after 1 attempt: rows must be a list, got a number' },
    ]);
  });

  it("does not retry std.sum given something that is not a number, and retries only the kinds retryOn lists", async () => {
    const plain = counted("t.plain", () => {
      throw new TypeError("all is not iterable");
    });
    const dag = new Dag()
      .addTask({ id: "words", fn: "std.constant", extraArgs: ["not numbers"] })
      .addTask({ id: "total", fn: "std.sum", args: ["words"], retryBackoff: { initialMs: 0 } })
      .addTask({ id: "p", fn: "t.plain", retryOn: ["timeout"], retryBackoff: { initialMs: 0 } });
    const outcome = await executeLocal(dag, { functions: [plain.fn], onFailure: "continue", maxRetries: 3 });
    expect(plain.calls()).toBe(1);
    expect(outcome.failures.map((f) => [f.taskId, f.kind, f.attempts])).toEqual(
      expect.arrayContaining([
        ["total", "non_retryable", 1],
        ["p", "function_failed", 1],
      ]),
    );
    expect(outcome.failures.find((f) => f.taskId === "total")?.message).toContain("std.sum: argument 1 contains a string");
  });

  it("fail_fast aborts a running sibling and starts nothing new", async () => {
    let siblingAborted = false;
    const waits = defineFunction({
      name: "t.waits",
      run: () =>
        new Promise((_, reject) => {
          currentTask().signal.addEventListener("abort", () => {
            siblingAborted = true;
            reject(new Error("aborted"));
          });
        }),
    });
    const after = counted("t.after", () => 1);
    const dag = new Dag()
      .addTask({ id: "bad", fn: "std.fail", extraArgs: ["no"], maxRetries: 0 })
      .addTask({ id: "slow", fn: "t.waits" })
      .addTask({ id: "next", fn: "t.after", args: ["slow"] });
    const outcome = await executeLocal(dag, { functions: [waits, after.fn] });
    expect(outcome.status).toBe("failed");
    expect(outcome.failures.map((f) => `${f.taskId}:${f.kind}`)).toEqual(["bad:function_failed", "slow:cancelled", "next:cancelled"]);
    expect(siblingAborted).toBe(true);
    expect(after.calls()).toBe(0);
  });

  it("keeps a task named __proto__ as an ordinary field of the results and allocations", async () => {
    const outcome = await executeLocal({ tasks: [{ id: "__proto__", fn: "std.constant", extraArgs: [{ polluted: true }] }, { id: "b", fn: "t.double", args: ["a"] }, { id: "a", fn: "std.constant", extraArgs: [2] }] }, { functions: [double] });
    expect(Object.keys(outcome.results).sort()).toEqual(["__proto__", "a", "b"]);
    expect(Object.getOwnPropertyDescriptor(outcome.results, "__proto__")?.value).toEqual({ polluted: true });
    expect(Object.getPrototypeOf(outcome.results)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(outcome.allocations, "__proto__")?.value).toBe("local");
  });

  it("continue lets independent branches finish and marks dependents upstream_failed", async () => {
    const states: string[] = [];
    const dag = new Dag()
      .addTask({ id: "bad", fn: "std.fail", extraArgs: ["no"], maxRetries: 0 })
      .addTask({ id: "child", fn: "t.double", args: ["bad"] })
      .addTask({ id: "ok", fn: "std.constant", extraArgs: [5] })
      .addTask({ id: "ok2", fn: "t.double", args: ["ok"] });
    const outcome = await executeLocal(dag, {
      functions: [double],
      onFailure: "continue",
      onTaskChange: (change) => states.push(`${change.taskId}:${change.state}`),
    });
    expect(outcome.status).toBe("failed");
    expect(outcome.results).toEqual({ ok: 5, ok2: 10 });
    expect(states).toContain("child:upstream_failed");
  });

  it("times out a task that runs too long, as a failed attempt within the retry budget", async () => {
    const dag = new Dag().addTask({ id: "s", fn: "std.sleep", extraArgs: [10_000], timeoutMs: 30, maxRetries: 1, retryBackoff: { initialMs: 0 } });
    const outcome = await executeLocal(dag);
    expect(outcome.status).toBe("failed");
    expect(outcome.failures[0]).toMatchObject({ taskId: "s", kind: "timeout", attempts: 2 });
  });

  it("is cancelled by the caller's signal", async () => {
    const controller = new AbortController();
    const dag = new Dag().addTask({ id: "s", fn: "std.sleep", extraArgs: [10_000] });
    setTimeout(() => controller.abort(), 20);
    const outcome = await executeLocal(dag, { signal: controller.signal });
    expect(outcome.status).toBe("cancelled");
  });

  it("runs edge transforms with the producer and with the consumer, with their static args", async () => {
    const seen: string[] = [];
    const scale = defineTransform({
      name: "t.scale",
      run: (value: number, from: string, to: string, factor: number) => {
        seen.push(`${from}->${to}`);
        return value * factor;
      },
    });
    const dag = new Dag()
      .addTask({ id: "a", fn: "std.constant", extraArgs: [3] })
      .addTask({ id: "b", fn: "std.identity", args: [edge("a", { encode: { fn: "t.scale", args: [10] }, decode: { fn: "t.scale", args: [2] } })] });
    const outcome = await executeLocal(dag, { functions: [scale] });
    expect(outcome.results["b"]).toBe(60);
    expect(seen).toEqual(["local->local", "local->local"]);
  });

  it("captures the function's logs with task and attempt", async () => {
    const logs: LogEntry[] = [];
    const talk = defineFunction({ name: "t.talk", run: () => currentTask().log.info("hello", { n: 1 }) });
    await executeLocal(new Dag().addTask({ id: "t", fn: "t.talk" }), { functions: [talk], onLog: (entry) => logs.push(entry) });
    expect(logs).toEqual([expect.objectContaining({ taskId: "t", attempt: 1, level: "info", message: 'hello {"n":1}' })]);
  });

  it("rejects an invalid DAG with every problem and runs nothing", async () => {
    const ran = counted("t.ran", () => 1);
    const outcome = await executeLocal(
      {
        tasks: [
          { id: "a", fn: "t.ran", args: ["b"] },
          { id: "b", fn: "t.ran", args: ["a"] },
          { id: "c", fn: "t.missing" },
        ],
      },
      { functions: [ran.fn] },
    );
    expect(outcome.status).toBe("rejected");
    expect(outcome.problems.map((p) => p.kind).sort()).toEqual(["cycle", "unknown_function"]);
    expect(ran.calls()).toBe(0);
  });

  it("honours maxConcurrency", async () => {
    let running = 0;
    let peak = 0;
    const busy = defineFunction({
      name: "t.busy",
      run: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
      },
    });
    const dag = new Dag();
    for (let i = 0; i < 12; i++) dag.addTask({ id: `t${i}`, fn: "t.busy" });
    const outcome = await executeLocal(dag, { functions: [busy], maxConcurrency: 3 });
    expect(outcome.status).toBe("succeeded");
    expect(peak).toBe(3);
  });

  it("enforces costs against a given capacity, and rejects a cost no capacity holds", async () => {
    const dag = new Dag().addTask({ id: "big", fn: "std.constant", extraArgs: [1], cost: { gpu: 2 } });
    const rejected = await executeLocal(dag, { capacity: { gpu: 1 } });
    expect(rejected.status).toBe("rejected");
    expect(rejected.problems[0]).toMatchObject({ kind: "infeasible", taskId: "big" });
    expect((await executeLocal(dag)).status).toBe("succeeded");
  });
});

describe("when a number would become a runaway timer or count (issue 10 §3)", () => {
  it("rejects a task timeoutMs of 3e9 and a run timeout of 30 days before anything runs, naming the fields", async () => {
    const ran = defineFunction({ name: "t.bounded", run: () => 1 });
    const outcome = await executeLocal({ tasks: [{ id: "a", fn: "t.bounded", timeoutMs: 3e9 }] }, { functions: [ran], timeoutMs: 30 * 86_400_000 });
    expect(outcome.status).toBe("rejected");
    expect(outcome.problems.map((problem) => (problem.kind === "invalid_task" ? problem.field : problem.kind))).toEqual(["timeoutMs", "options.timeoutMs"]);
  });
});

describe("when functions stream their values in-process", () => {
  it("gathers a streamed result, and hands it to each consumer whole, as a stream or as a file, as each asks", async () => {
    const { readFileSync } = await import("node:fs");
    const produce = defineFunction({
      name: "big.produce",
      run: () => (async function* () { yield new Uint8Array([1, 2]); yield new Uint8Array([3]); })(),
    });
    const viaStream = defineFunction({
      name: "big.via_stream",
      inputs: { kind: "named", names: ["data", "other"], as: { data: "stream" } },
      run: async (data: AsyncIterable<Uint8Array>, other: unknown) => {
        const bytes: number[] = [];
        for await (const chunk of data) bytes.push(...chunk);
        return { bytes, other };
      },
    });
    const viaPath = defineFunction({
      name: "big.via_path",
      inputs: { kind: "variadic", as: "path" },
      run: (...files: string[]) => files.map((file) => [...readFileSync(file)]),
    });
    const dag = new Dag("streams")
      .addTask({ id: "blob", fn: "big.produce" })
      .addTask({ id: "json", fn: "std.identity", extraArgs: [{ a: 1 }] })
      .addTask({ id: "whole", fn: "std.identity", args: ["blob"] })
      .addTask({ id: "stream", fn: "big.via_stream", args: ["blob", "json"] })
      .addTask({ id: "files", fn: "big.via_path", args: ["blob", "json"] });
    const outcome = await executeLocal(dag, { functions: [produce, viaStream, viaPath] });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["whole"]).toEqual(new Uint8Array([1, 2, 3]));
    expect(outcome.results["stream"]).toEqual({ bytes: [1, 2, 3], other: { a: 1 } });
    expect(outcome.results["files"]).toEqual([[1, 2, 3], [...Buffer.from('{"a":1}')]]);
  });
});
