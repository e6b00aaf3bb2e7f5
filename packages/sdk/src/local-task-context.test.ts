import { describe, expect, it } from "vitest";
import { currentTask, type TaskContext } from "./current-task.ts";
import { defineFunction } from "./define-function.ts";
import { executeLocal } from "./execute-local.ts";

describe("a function run by executeLocal", () => {
  it("sees its task context and nothing of the attempt that runs it", async () => {
    const seen: { keys: string[]; hidden: string[]; signal: boolean }[] = [];
    const look = defineFunction({
      name: "t.look",
      run: (x: number) => {
        const context = currentTask();
        seen.push({
          keys: Object.keys(context).sort(),
          hidden: ["attemptId", "position", "isSyncOk", "syncOutcome", "abort", "whenAborted"].filter((name) => name in context),
          signal: context.signal instanceof AbortSignal && !context.signal.aborted,
        });
        return x + 1;
      },
    });
    const outcome = await executeLocal({ tasks: [{ id: "a", fn: "std.constant", extraArgs: [1] }, { id: "b", fn: "t.look", args: ["a"] }] }, { functions: [look] });
    expect(outcome.results).toEqual({ a: 1, b: 2 });
    expect(seen).toEqual([{ keys: ["attempt", "log", "machine", "runId", "taskId"], hidden: [], signal: true }]);
  });

  it("cannot redirect its result or its report by writing to its context", async () => {
    const meddle = defineFunction({
      name: "t.meddle",
      run: (x: number) => {
        const context = currentTask() as { -readonly [K in keyof TaskContext]: TaskContext[K] } & Record<string, unknown>;
        context.taskId = "a";
        context.attempt = 7;
        context.attemptId = "nonsense";
        context.syncOutcome = "forged";
        context.position = 0;
        return x * 10;
      },
    });
    const outcome = await executeLocal(
      { tasks: [{ id: "a", fn: "std.constant", extraArgs: [3] }, { id: "b", fn: "t.meddle", args: ["a"] }, { id: "c", fn: "t.meddle", args: ["b"] }] },
      { functions: [meddle] },
    );
    expect(outcome).toMatchObject({ status: "succeeded", failures: [] });
    expect(outcome.results).toEqual({ a: 3, b: 30, c: 300 });
  });
});
