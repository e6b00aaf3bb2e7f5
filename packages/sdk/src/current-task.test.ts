import { describe, expect, it } from "vitest";
import { setTimeout as delay } from "node:timers/promises";
import { NoTaskContextError, currentTask, findCurrentTask, runWithTaskContext, type TaskContext } from "./current-task.ts";

function contextFor(taskId: string, lines: string[] = []): TaskContext {
  const log = (level: string) => (...parts: unknown[]) => void lines.push(`${level} ${parts.join(" ")}`);
  return {
    signal: new AbortController().signal,
    log: { info: log("info"), warn: log("warn"), error: log("error") },
    attempt: 1,
    runId: "run-1",
    taskId,
    machine: "m1",
  };
}

describe("when code runs inside a task", () => {
  it("sees its context across awaits", async () => {
    const lines: string[] = [];
    const seen = await runWithTaskContext(contextFor("t1", lines), async () => {
      await delay(1);
      currentTask().log.info("hello", 1);
      return currentTask();
    });
    expect(seen).toMatchObject({ taskId: "t1", runId: "run-1", attempt: 1, machine: "m1" });
    expect(lines).toEqual(["info hello 1"]);
  });

  it("keeps concurrent tasks apart", async () => {
    const ids = await Promise.all(
      ["a", "b", "c"].map((id, i) =>
        runWithTaskContext(contextFor(id), async () => {
          await delay(3 - i);
          return currentTask().taskId;
        }),
      ),
    );
    expect(ids).toEqual(["a", "b", "c"]);
  });

  it("returns what the function returns", () => {
    expect(runWithTaskContext(contextFor("t"), () => 7)).toBe(7);
  });
});

describe("when code runs outside any task", () => {
  it("throws a clear error from currentTask", () => {
    expect(() => currentTask()).toThrow(NoTaskContextError);
    expect(() => currentTask()).toThrow(/outside a running task/);
  });

  it("gives undefined from findCurrentTask", () => {
    expect(findCurrentTask()).toBeUndefined();
  });
});
