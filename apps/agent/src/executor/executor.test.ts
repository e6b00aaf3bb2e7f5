import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFunctionModules, type FunctionFolder } from "../../test/function-fixtures.ts";
import { createExecutor, FunctionModuleError, type Executor, type JobLog } from "./executor.ts";
import type { AttemptCall, ResolvedInput } from "./worker-messages.ts";

let folder: FunctionFolder;
let executor: Executor;

beforeAll(async () => {
  folder = await writeFunctionModules();
  executor = await createExecutor({ modules: [folder.tsModule, folder.mjsModule], slots: 2, machine: "machine-a" });
});

afterAll(async () => {
  await executor.close();
  await folder.remove();
});

function call(fn: string, inputs: unknown[] = [], extraArgs: unknown[] = []): AttemptCall {
  const resolved: ResolvedInput[] = inputs.map((value, i) => ({ kind: "value", taskId: `in${i}`, source: "machine-a", value }));
  return { runId: "run-1", taskId: fn.replace(/\W/g, "_"), attempt: 1, fn, inputs: resolved, extraArgs, argumentInclusion: "variadic" };
}

let attemptSeq = 0;
const nextAttempt = (): string => `run-1/t#${++attemptSeq}`;

describe("when function modules live in a folder outside the repo", () => {
  it("offers the standard library plus every exported function of .ts and .mjs modules, ignoring other exports", () => {
    const names = executor.catalogue.map((meta) => meta.name);
    expect(names).toContain("std.sum");
    expect(names).toContain("test.spin");
    expect(names).toContain("mjs.triple");
    expect(names).not.toContain("nope");
    expect([...names].sort()).toEqual(names);
  });

  it("runs a function from the .mjs module", async () => {
    const outcome = await executor.run(nextAttempt(), call("mjs.triple", [14]));
    expect(outcome).toMatchObject({ ok: true, value: 42 });
  });
});

describe("when a function is CPU-bound", () => {
  it("does not stall the agent's event loop", async () => {
    const flag = new SharedArrayBuffer(4);
    let ticks = 0;
    // The function spins until this interval, on the main thread, has ticked five times: a blocked loop never ends it.
    const interval = setInterval(() => {
      ticks += 1;
      if (ticks === 5) Atomics.store(new Int32Array(flag), 0, 1);
    }, 20);
    try {
      const outcome = await executor.run(nextAttempt(), call("test.spin", [flag], [2_000]));
      expect(outcome).toMatchObject({ ok: true, value: true });
      expect(ticks).toBeGreaterThanOrEqual(5);
      if (outcome.ok) {
        expect(outcome.metrics.wallMs).toBeGreaterThan(0);
        expect(outcome.metrics.cpuMs).toBeGreaterThan(0);
      }
    } finally {
      clearInterval(interval);
    }
  });
});

describe("when an attempt is aborted", () => {
  it("terminates a function that ignores its signal and keeps the pool working", async () => {
    const attemptId = nextAttempt();
    const logs: JobLog[] = [];
    const outcome = await executor.run(attemptId, call("test.stuck"), {
      onLog: (log) => {
        logs.push(log);
        executor.abort(attemptId, "cancelled");
      },
    });
    expect(outcome).toMatchObject({ ok: false, kind: "cancelled" });
    expect(logs.map((l) => l.message)).toEqual(["entering the loop"]);
    const after = await Promise.all([1, 2, 3].map((x) => executor.run(nextAttempt(), call("std.sum", [x, 10]))));
    expect(after.map((o) => (o.ok ? o.value : o.message))).toEqual([11, 12, 13]);
  });

  it("settles at once when the function honours its signal", async () => {
    const attemptId = nextAttempt();
    const running = executor.run(attemptId, call("test.wait_for_abort"));
    expect(executor.running()).toContain(attemptId);
    expect(executor.abort(attemptId, "cancelled")).toBe(true);
    expect(await running).toMatchObject({ ok: false, kind: "cancelled" });
    expect(executor.running()).not.toContain(attemptId);
  });

  it("times out after the item's timeoutMs", async () => {
    const outcome = await executor.run(nextAttempt(), call("test.stuck"), { timeoutMs: 100 });
    expect(outcome).toMatchObject({ ok: false, kind: "timeout", message: "the attempt timed out" });
  });
});

describe("when a function fails", () => {
  it("reports what it threw as function_failed", async () => {
    const outcome = await executor.run(nextAttempt(), call("test.boom"));
    expect(outcome).toMatchObject({ ok: false, kind: "function_failed", message: "boom: bad input" });
  });

  it("keeps the non_retryable kind of a NonRetryableError across the worker thread (std.sum refusing a string)", async () => {
    const outcome = await executor.run(nextAttempt(), call("std.sum", ["words"]));
    expect(outcome).toMatchObject({ ok: false, kind: "non_retryable", message: "std.sum: argument 1 contains a string, expected numbers or lists of numbers" });
  });

  it("fails the attempt, not the agent, when it calls process.exit()", async () => {
    const outcome = await executor.run(nextAttempt(), call("test.exit"));
    expect(outcome).toMatchObject({ ok: false, kind: "function_failed" });
    if (!outcome.ok) expect(outcome.message).toMatch(/exit code 3/);
    const after = await Promise.all([1, 2, 3].map((x) => executor.run(nextAttempt(), call("mjs.triple", [x]))));
    expect(after.map((o) => (o.ok ? o.value : o.message))).toEqual([3, 6, 9]);
  });

  it("names a function this machine does not have", async () => {
    const outcome = await executor.run(nextAttempt(), call("nowhere.fn"));
    expect(outcome).toMatchObject({ ok: false, kind: "function_failed" });
    if (!outcome.ok) expect(outcome.message).toMatch(/"nowhere\.fn"/);
  });
});

describe("when a function logs", () => {
  it("captures console output and currentTask().log as the attempt's logs, with the task context", async () => {
    const logs: JobLog[] = [];
    const outcome = await executor.run(nextAttempt(), { ...call("test.chatty", [7]), attempt: 2 }, { onLog: (log) => logs.push(log) });
    expect(outcome).toMatchObject({ ok: true, value: "machine-a:run-1/test_chatty#2" });
    expect(logs.map(({ level, message }) => [level, message])).toEqual([
      ["info", "hello { x: 7 }"],
      ["warn", "careful"],
      ["error", "after await"],
    ]);
  });
});

describe("when a function returns bytes", () => {
  it("hands back a Uint8Array with the same content", async () => {
    const outcome = await executor.run(nextAttempt(), call("test.bytes", [1 << 20]));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const value = outcome.value as Uint8Array;
    expect(value).toBeInstanceOf(Uint8Array);
    expect(value.byteLength).toBe(1 << 20);
    expect(value[1000]).toBe(1000 % 251);
  });
});

describe("when modules are plain .js or .mts files", () => {
  it("loads them too, ESM syntax included, with no package.json around", async () => {
    const more = await writeFunctionModules({
      "plain.js": `import { defineFunction } from "@handoff/sdk";\nexport const half = defineFunction({ name: "js.half", run: (x) => x / 2 });\n`,
      "typed.mts": `import { defineFunction } from "@handoff/sdk";\nexport const neg = defineFunction({ name: "mts.neg", run: (x: number): number => -x });\n`,
    });
    const pool = await createExecutor({ modules: [`${more.dir}/plain.js`, `${more.dir}/typed.mts`], slots: 1, machine: "m" });
    try {
      expect(pool.catalogue.map((f) => f.name)).toEqual(expect.arrayContaining(["js.half", "mts.neg"]));
      const halved = await pool.run("r/half#1", call("js.half", [9]));
      const negated = await pool.run("r/neg#1", call("mts.neg", [9]));
      expect([halved, negated].map((o) => (o.ok ? o.value : o.message))).toEqual([4.5, -9]);
    } finally {
      await pool.close();
      await more.remove();
    }
  });
});

describe("when a function module cannot be used", () => {
  it("refuses to start, naming the file that fails to load", async () => {
    const broken = await writeFunctionModules({ "broken.ts": `import "@handoff/sdk";\nthrow new Error("cannot start: missing API key");\n` });
    try {
      const started = createExecutor({ modules: [broken.tsModule, `${broken.dir}/broken.ts`], slots: 1, machine: "m" });
      await expect(started).rejects.toBeInstanceOf(FunctionModuleError);
      await expect(started).rejects.toThrow(`${broken.dir}/broken.ts failed to load: cannot start: missing API key`);
    } finally {
      await broken.remove();
    }
  });

  it("refuses two different codes under one name, naming the file", async () => {
    const clash = await writeFunctionModules({
      "clash.mjs": `import { defineFunction } from "@handoff/sdk";\nexport const other = defineFunction({ name: "test.boom", run: () => 1 });\n`,
    });
    try {
      const started = createExecutor({ modules: [clash.tsModule, `${clash.dir}/clash.mjs`], slots: 1, machine: "m" });
      await expect(started).rejects.toThrow(`function module ${clash.dir}/clash.mjs defines "test.boom" with different code than ${clash.tsModule}`);
    } finally {
      await clash.remove();
    }
  });

  it("refuses a missing file and an unsupported extension", async () => {
    await expect(createExecutor({ modules: ["/nonexistent/fns.ts"], slots: 1, machine: "m" })).rejects.toThrow(
      "function module /nonexistent/fns.ts does not exist or is not a file",
    );
    await expect(createExecutor({ modules: ["/etc/hostname.py"], slots: 1, machine: "m" })).rejects.toThrow(/has extension "\.py"/);
  });
});

describe("when attempts are assigned ahead of free slots (the pool has 2)", () => {
  const raise = (flag: SharedArrayBuffer): void => void Atomics.store(new Int32Array(flag), 0, 1);
  const settled = <T,>(promise: Promise<T>): { done: boolean } => {
    const state = { done: false };
    void promise.then(() => (state.done = true));
    return state;
  };

  it("starts them in order, each once its slots fit: one of 2 slots keeps the next waiting", async () => {
    // Both workers up first (one busy, the other answers), so only the slots can keep the next attempt waiting.
    const busy = new SharedArrayBuffer(4);
    const holding = executor.run(nextAttempt(), call("test.spin", [busy], [0]));
    expect(await executor.run(nextAttempt(), call("mjs.triple", [0]))).toMatchObject({ ok: true });
    raise(busy);
    await holding;
    const wide = new SharedArrayBuffer(4);
    const first = executor.run(nextAttempt(), call("test.spin", [wide], [0]), { slots: 2 });
    const next = executor.run(nextAttempt(), call("mjs.triple", [1]));
    const waiting = settled(next);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(waiting.done).toBe(false);
    raise(wide);
    expect(await first).toMatchObject({ ok: true });
    expect(await next).toMatchObject({ ok: true, value: 3 });
  });

  it("counts a queued attempt's timeout from its start, not from its arrival", async () => {
    const wide = new SharedArrayBuffer(4);
    const first = executor.run(nextAttempt(), call("test.spin", [wide], [0]), { slots: 2 });
    // Waits twice its timeout in the queue; once started it has 1.5 s, a margin no load on CI has come near (it had
    // 100 ms, and failed once at load ~30 when the worker took longer than that to start it).
    const queued = executor.run(nextAttempt(), call("mjs.triple", [2]), { timeoutMs: 1_500 });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    raise(wide);
    expect(await first).toMatchObject({ ok: true });
    expect(await queued).toMatchObject({ ok: true, value: 6 });
  });
});
