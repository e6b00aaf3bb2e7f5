import { describe, expect, it } from "vitest";
import { WorkerTaskContext } from "./worker-task-context.ts";

const fields = { runId: "run-1", taskId: "t", attempt: 2 };

describe("a worker job's task context", () => {
  it("hands out an already aborted signal, with the abort's reason, when it is first asked for after the abort", () => {
    const context = new WorkerTaskContext(7, fields, "m", () => undefined);
    const reason = new Error("cancelled");
    context.abort(reason);
    context.abort(new Error("timeout")); // the first reason wins
    expect(context.signal.aborted).toBe(true);
    expect(context.signal.reason).toBe(reason);
  });

  it("aborts a signal handed out before, once, firing its listeners", () => {
    const context = new WorkerTaskContext(7, fields, "m", () => undefined);
    const signal = context.signal;
    const heard: unknown[] = [];
    signal.addEventListener("abort", () => heard.push(signal.reason));
    context.abort(new Error("timeout"));
    context.abort(new Error("cancelled"));
    expect(context.signal).toBe(signal);
    expect(heard.map((reason) => (reason as Error).message)).toEqual(["timeout"]);
  });

  it("carries the attempt's fields and the machine, writes log lines under its job, and names its job to the console capture", () => {
    const lines: [number, string, unknown[]][] = [];
    const context = new WorkerTaskContext(7, { ...fields, fn: "not.copied" } as typeof fields, "m", (jobId, level, parts) => lines.push([jobId, level, parts]));
    expect({ runId: context.runId, taskId: context.taskId, attempt: context.attempt, machine: context.machine }).toEqual({ ...fields, machine: "m" });
    expect("fn" in context).toBe(false);
    context.log.info("a", 1);
    context.log.warn("b");
    context.log.error("c");
    expect(lines).toEqual([[7, "info", ["a", 1]], [7, "warn", ["b"]], [7, "error", ["c"]]]);
    expect(WorkerTaskContext.jobIdOf(context)).toBe(7);
    expect(WorkerTaskContext.jobIdOf(undefined)).toBeUndefined();
    expect(WorkerTaskContext.jobIdOf({ ...fields, machine: "m", signal: new AbortController().signal, log: context.log })).toBeUndefined();
  });
});
