import { describe, expect, it } from "vitest";
import { AttemptBook, RECENT_ATTEMPT_MS } from "./attempt-book.ts";

const open = (book: AttemptBook, attemptId: string, number: number, machine = "m1"): void => book.opened(attemptId, { runId: "r", taskId: "t", number, machine, startedAt: 0 });
const change = (state: "running" | "succeeded" | "failed" | "cancelled", fields: Record<string, unknown> = {}) => ({ runId: "r", taskId: "t", state, at: 5_000, attempts: 1, maxAttempts: 3, ...fields });

describe("when the scheduler closes a task's attempts", () => {
  it("writes a succeeded attempt with its reported metrics and how long since it was assigned", () => {
    const book = new AttemptBook();
    open(book, "r/t#1", 1);
    book.assigned("r/t#1", 1_000);
    book.reportedMetrics("r/t#1", { wallMs: 7 });
    const [closed] = book.close(change("succeeded"), 1_250);
    expect(closed).toEqual({ attemptId: "r/t#1", machine: "m1", assignedForMs: 250, row: { id: "r/t#1", runId: "r", taskId: "t", number: 1, state: "succeeded", finishedAt: new Date(5_000), metrics: { wallMs: 7 } } });
    expect(book.open.size).toBe(0);
  });

  it("records the error observed for an attempt over the task's, and a cancel as cancelled", () => {
    const book = new AttemptBook();
    open(book, "r/t#1", 1);
    book.failed("r/t#1", { kind: "machine_lost", message: "gone" });
    expect(book.close(change("failed", { error: { kind: "function_failed", message: "x" } }), 0)[0]?.row).toMatchObject({ state: "failed", errorKind: "machine_lost", errorMessage: "gone" });
    open(book, "r/t#2", 2);
    expect(book.close(change("cancelled"), 0)[0]?.row).toMatchObject({ state: "cancelled" });
    expect(book.close(change("cancelled"), 0)).toEqual([]);
  });

  it("a new attempt starting closes the task's older ones, never itself", () => {
    const book = new AttemptBook();
    open(book, "r/t#1", 1);
    open(book, "r/t#2", 2);
    expect(book.close(change("running", { attemptId: "r/t#2" }), 0).map((closed) => closed.attemptId)).toEqual(["r/t#1"]);
    expect([...book.open.keys()]).toEqual(["r/t#2"]);
  });

  it("closes only the changed task's attempts, in opening order, while other tasks' and runs' attempts stay open", () => {
    const book = new AttemptBook();
    book.opened("r/a#1", { runId: "r", taskId: "a", number: 1, machine: "m1", startedAt: 0 });
    open(book, "r/t#1", 1);
    book.opened("q/t#1", { runId: "q", taskId: "t", number: 1, machine: "m2", startedAt: 0 });
    open(book, "r/t#2", 2, "m2");
    expect(book.close(change("failed"), 0).map((closed) => [closed.attemptId, closed.machine])).toEqual([["r/t#1", "m1"], ["r/t#2", "m2"]]);
    expect([...book.open.keys()]).toEqual(["r/a#1", "q/t#1"]);
    open(book, "r/t#3", 3);
    expect(book.close(change("succeeded"), 0).map((closed) => closed.attemptId)).toEqual(["r/t#3"]);
    expect(book.close(change("succeeded", { runId: "q" }), 0).map((closed) => closed.attemptId)).toEqual(["q/t#1"]);
    expect([...book.open.keys()]).toEqual(["r/a#1"]);
  });

  it("finds a closed attempt for its late log lines for a minute, then no more", () => {
    const book = new AttemptBook();
    open(book, "r/t#1", 1);
    book.close(change("succeeded"), 10_000);
    expect(book.find("r/t#1", 10_000 + RECENT_ATTEMPT_MS - 1)).toMatchObject({ runId: "r", taskId: "t", machine: "m1" });
    expect(book.find("r/t#1", 10_000 + RECENT_ATTEMPT_MS)).toBeUndefined();
    expect(book.find("r/other#1", 10_000)).toBeUndefined();
  });
});
