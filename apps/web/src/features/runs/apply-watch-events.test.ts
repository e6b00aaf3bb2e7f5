import { describe, expect, it } from "vitest";
import type { RunView, TaskChangeView, WatchEvent } from "../../lib/trpc/api-types.ts";
import { EMPTY_LIVE_RUN, applyWatchEvents, unwrapWatchMessage } from "./apply-watch-events.ts";

const snapshot: RunView = {
  runId: "r1",
  dagName: "diamond",
  dagVersion: 2,
  status: "running",
  startedBy: "admin",
  createdAt: "2026-11-28T10:00:00.000Z",
  startedAt: "2026-11-28T10:00:00.000Z",
  finishedAt: null,
  durationMs: null,
  taskCounts: { waiting_for_dependencies: 1, running: 1 },
  options: {},
  file: { format: "handoff.dag", version: 1, name: "diamond", tasks: [{ id: "a", fn: "f" }, { id: "b", fn: "g", args: ["a"] }] },
  outcome: null,
  parentRunId: null,
  reason: null,
  triggerId: null,
  params: null,
  tasks: [
    { taskId: "a", state: "running", reason: null, machine: "m1", attempts: 1, maxAttempts: 4, inline: false, startedAt: "2026-11-28T10:00:00.100Z", finishedAt: null, error: null, result: null, reusedFrom: null, codeHash: null, lost: null },
    { taskId: "b", state: "waiting_for_dependencies", reason: null, machine: null, attempts: 0, maxAttempts: 4, inline: false, startedAt: null, finishedAt: null, error: null, result: null, reusedFrom: null, codeHash: null, lost: null },
  ],
};

const result = { machine: "m1", size: 2, preview: "42", truncated: false, contentType: "application/json" as const };

function task(taskId: string, change: TaskChangeView): WatchEvent {
  return { type: "task", change: { ...change, taskId } };
}

describe("applyWatchEvents", () => {
  it("starts from the snapshot", () => {
    const live = applyWatchEvents(EMPTY_LIVE_RUN, [{ type: "snapshot", run: snapshot }]);
    expect(live.run).toBe(snapshot);
  });

  it("applies task changes in order without touching the snapshot it started from", () => {
    const live = applyWatchEvents(EMPTY_LIVE_RUN, [
      { type: "snapshot", run: snapshot },
      task("a", { taskId: "a", state: "succeeded", attempts: 1, maxAttempts: 4, at: Date.parse("2026-11-28T10:00:01.000Z"), machine: "m1", result }),
      task("b", { taskId: "b", state: "running", attempts: 1, maxAttempts: 4, at: Date.parse("2026-11-28T10:00:01.100Z"), machine: "m2" }),
    ]);
    expect(live.run?.tasks.map((t) => [t.taskId, t.state, t.machine])).toEqual([
      ["a", "succeeded", "m1"],
      ["b", "running", "m2"],
    ]);
    expect(live.run?.tasks[0]).toMatchObject({ startedAt: "2026-11-28T10:00:00.100Z", finishedAt: "2026-11-28T10:00:01.000Z", result });
    expect(live.run?.tasks[1]?.startedAt).toBe("2026-11-28T10:00:01.100Z");
    expect(snapshot.tasks[0]?.state).toBe("running");
  });

  it("keeps when a retrying task's next attempt may start, and forgets it once the task runs again", () => {
    const retryAt = Date.parse("2026-11-28T10:00:06.000Z");
    let live = applyWatchEvents(EMPTY_LIVE_RUN, [
      { type: "snapshot", run: snapshot },
      task("a", { taskId: "a", state: "retrying", attempts: 1, maxAttempts: 4, at: Date.parse("2026-11-28T10:00:02.000Z"), retryAt }),
    ]);
    expect(live.run?.tasks[0]).toMatchObject({ state: "retrying", retryAt });
    live = applyWatchEvents(live, [task("a", { taskId: "a", state: "running", attempts: 2, maxAttempts: 4, at: retryAt })]);
    expect(live.run?.tasks[0]).not.toHaveProperty("retryAt");
  });

  it("keeps the reason a task waits or retries", () => {
    const live = applyWatchEvents({ run: snapshot, logs: [] }, [
      task("b", { taskId: "b", state: "waiting_for_resources", attempts: 0, maxAttempts: 4, at: Date.parse("2026-11-28T10:00:02.000Z"), reason: 'machine "m1" lacks gpu 1' }),
    ]);
    expect(live.run?.tasks[1]).toMatchObject({ state: "waiting_for_resources", reason: 'machine "m1" lacks gpu 1' });
  });

  it("drops task changes that arrive before the snapshot", () => {
    const live = applyWatchEvents(EMPTY_LIVE_RUN, [task("a", { taskId: "a", state: "succeeded", attempts: 1, maxAttempts: 1, at: 0 })]);
    expect(live.run).toBeNull();
  });

  it("appends logs and records the outcome", () => {
    const log = { id: 1, taskId: "a", attemptId: "r1/a#1", level: "info", message: "hello", at: "2026-11-28T10:00:00.500Z" };
    const outcome = { status: "succeeded" as const, runId: "r1", results: {}, failures: [], problems: [], allocations: {} };
    const live = applyWatchEvents({ run: snapshot, logs: [] }, [{ type: "log", log }, { type: "finished", outcome, finishedAt: "2026-01-01T00:00:12.000Z" }]);
    expect(live.logs).toEqual([log]);
    expect(live.run?.status).toBe("succeeded");
    // The end comes with the outcome: the header never waits for the database to learn it.
    expect(live.run?.finishedAt).toBe("2026-01-01T00:00:12.000Z");
    expect(live.run?.outcome).toBe(outcome);
  });

  it("returns the same object when there is nothing to apply", () => {
    const live = { run: snapshot, logs: [] };
    expect(applyWatchEvents(live, [])).toBe(live);
  });
});

describe("unwrapWatchMessage", () => {
  it("takes the snapshot out of a tracked message", () => {
    const event: WatchEvent = { type: "snapshot", run: snapshot };
    expect(unwrapWatchMessage({ id: "0", data: event })).toEqual([event]);
  });

  it("takes a tick's batch apart into its events, in order", () => {
    const outcome = { status: "succeeded" as const, runId: "r1", results: {}, failures: [], problems: [], allocations: {} };
    const events: WatchEvent[] = [task("a", { taskId: "a", state: "succeeded", attempts: 1, maxAttempts: 1, at: 0 }), { type: "finished", outcome, finishedAt: "2026-01-01T00:00:12.000Z" }];
    const batch = { type: "batch" as const, events: events.filter((event) => event.type !== "snapshot") };
    expect(unwrapWatchMessage({ id: "1", data: batch })).toEqual(events);
  });
});

describe("a task change with a state outside the catalogue", () => {
  it("is ignored rather than shown with no colour", () => {
    const live = { run: snapshot, logs: [] };
    const next = applyWatchEvents(live, [task("a", { taskId: "a", state: "exploded", attempts: 1, maxAttempts: 4, at: 0 })]);
    expect(next.run?.tasks[0]?.state).toBe("running");
  });
});
