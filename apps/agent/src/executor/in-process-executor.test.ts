import { describe, expect, it } from "vitest";
import { createInProcessExecutor } from "./in-process-executor.ts";
import type { AttemptCall, ResolvedInput } from "./worker-messages.ts";

function call(fn: string, inputs: unknown[] = [], extraArgs: unknown[] = []): AttemptCall {
  const resolved: ResolvedInput[] = inputs.map((value, i) => ({ kind: "value", taskId: `in${i}`, source: "sim-1", value }));
  return { runId: "run-1", taskId: fn.replace(/\W/g, "_"), attempt: 1, fn, inputs: resolved, extraArgs, argumentInclusion: "variadic" };
}

describe("the in-process executor (simulated machines)", () => {
  it("offers the standard library and calls it on this thread", async () => {
    const executor = createInProcessExecutor({ machine: "sim-1", slots: 2 });
    expect(executor.catalogue.map((meta) => meta.name)).toContain("std.sum");
    const outcome = await executor.run("run-1/a#1", call("std.sum", [1, 2, 3]));
    expect(outcome).toMatchObject({ ok: true, value: 6 });
    const failed = await executor.run("run-1/b#1", call("std.fail", [], ["on purpose"]));
    expect(failed).toMatchObject({ ok: false, kind: "function_failed" });
    await executor.close();
  });

  it("runs at most `slots` attempts at once; the others wait their turn", async () => {
    const executor = createInProcessExecutor({ machine: "sim-1", slots: 1 });
    const first = executor.run("run-1/s1#1", call("std.sleep", [], [200, "one"]));
    const second = executor.run("run-1/s2#1", call("std.sleep", [], [10, "two"]));
    expect(executor.running().sort()).toEqual(["run-1/s1#1", "run-1/s2#1"]);
    const order: string[] = [];
    await Promise.all([first.then(() => order.push("one")), second.then(() => order.push("two"))]);
    expect(order).toEqual(["one", "two"]);
    await executor.close();
  });

  it("times out and cancels an attempt, waiting or running, and frees its slot", async () => {
    const executor = createInProcessExecutor({ machine: "sim-1", slots: 1 });
    const slow = executor.run("run-1/slow#1", call("std.sleep", [], [60_000, "never"]), { timeoutMs: 50 });
    const queued = executor.run("run-1/queued#1", call("std.sleep", [], [60_000, "never"]));
    expect(await slow).toMatchObject({ ok: false, kind: "timeout" });
    expect(executor.abort("run-1/queued#1", "cancelled")).toBe(true);
    expect(await queued).toMatchObject({ ok: false, kind: "cancelled" });
    expect(executor.abort("run-1/queued#1", "cancelled")).toBe(false);
    expect(await executor.run("run-1/after#1", call("std.identity", [7]))).toMatchObject({ ok: true, value: 7 });
    await executor.close();
  });
});
