import { expect, it } from "vitest";
import { describeEachDatabase } from "./testing/describe-each-database.ts";
import type { NewLogEntry } from "./log-repository.ts";

describeEachDatabase("when task logs are appended", (database) => {
  async function newRun(): Promise<string> {
    const run = await database().db.runs.create({
      dagId: null, dagVersion: null, spec: {}, options: {}, status: "running", startedBy: null,
      tasks: [{ taskId: "a", state: "running" }, { taskId: "b", state: "running" }],
    });
    return run.id;
  }

  it("reads them back in order, page by page with the cursor", async () => {
    const { logs } = database().db;
    const runId = await newRun();
    const entries: NewLogEntry[] = Array.from({ length: 25 }, (_, i) => ({
      runId, taskId: i % 2 === 0 ? "a" : "b", attemptId: `${runId}/${i % 2 === 0 ? "a" : "b"}#1`,
      level: "info", message: `line ${i}`, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    }));
    expect(await logs.append(entries)).toBe(25);

    const first = await logs.list({ runId, limit: 10 });
    expect(first.logs.map((l) => l.message)).toEqual(entries.slice(0, 10).map((e) => e.message));
    expect(first.hasMore).toBe(true);
    const second = await logs.list({ runId, limit: 10, afterId: first.nextCursor });
    expect(second.logs.map((l) => l.message)).toEqual(entries.slice(10, 20).map((e) => e.message));
    const last = await logs.list({ runId, limit: 10, afterId: second.nextCursor });
    expect(last.logs).toHaveLength(5);
    expect(last.hasMore).toBe(false);
    expect(last.logs[4]).toMatchObject({ level: "info", timestamp: entries[24]!.timestamp, taskId: "a" });
  });

  it("filters by task and by attempt", async () => {
    const { logs } = database().db;
    const runId = await newRun();
    await logs.append([
      { runId, taskId: "a", attemptId: `${runId}/a#1`, level: "info", message: "a1", timestamp: new Date() },
      { runId, taskId: "a", attemptId: `${runId}/a#2`, level: "error", message: "a2", timestamp: new Date() },
      { runId, taskId: "b", level: "warn", message: "b1", timestamp: new Date() },
      { runId, level: "debug", message: "run-level", timestamp: new Date() },
    ]);
    expect((await logs.list({ runId, taskId: "a" })).logs.map((l) => l.message)).toEqual(["a1", "a2"]);
    expect((await logs.list({ runId, attemptId: `${runId}/a#2` })).logs.map((l) => l.message)).toEqual(["a2"]);
    expect((await logs.list({ runId })).logs).toHaveLength(4);
  });

  it("returns an empty page with no cursor for a run without logs", async () => {
    const { logs } = database().db;
    const runId = await newRun();
    expect(await logs.list({ runId })).toEqual({ logs: [], nextCursor: undefined, hasMore: false });
  });
});
