import type { Database } from "@handoff/db";
import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.ts";
import { createWriteBehind } from "./write-behind.ts";

let fixture: TestDatabase;
beforeAll(async () => {
  fixture = await openTestDatabase("sqlite");
}, 60_000);
afterAll(() => fixture?.dispose());

async function newRun(db: Database): Promise<string> {
  const run = await db.runs.create({ dagId: null, dagVersion: null, spec: {}, options: {}, status: "running", startedBy: null, tasks: [{ taskId: "a", state: "waiting_for_dependencies" }] });
  return run.id;
}

/** Counts the transactions the writer opens on the real database. */
function counting(db: Database): { db: Pick<Database, "runs" | "logs">; batches: number[] } {
  const batches: number[] = [];
  const runs = { ...db.runs, applyChanges: (batch: Parameters<Database["runs"]["applyChanges"]>[0]) => (batches.push((batch.tasks ?? []).length), db.runs.applyChanges(batch)) };
  return { db: { runs, logs: db.logs }, batches };
}

describe("when the scheduler queues changes for the database", () => {
  it("waits the batching delay, then writes everything queued meanwhile in one transaction", async () => {
    const { db } = fixture;
    const runId = await newRun(db);
    const clock = new FakeClock();
    const sink = counting(db);
    const writer = createWriteBehind({ db: sink.db, timers: clock, writeDelayMs: 50, writeFailed: (error) => expect.fail(String(error)) });
    writer.task({ runId, taskId: "a", state: "running", attempts: 1, machine: "m1" });
    writer.start();
    clock.advance(49);
    expect(sink.batches).toEqual([]);
    writer.task({ runId, taskId: "a", state: "succeeded", attempts: 1 });
    writer.log({ runId, taskId: "a", attemptId: null, level: "info", message: "done", timestamp: new Date(0) });
    writer.start(); // already armed: the same delay
    clock.advance(1);
    await writer.flushed();
    expect(sink.batches).toEqual([2]);
    expect((await db.runs.get(runId))?.tasks[0]).toMatchObject({ state: "succeeded", attempts: 1 });
    expect((await db.logs.list({ runId })).logs.map((line) => line.message)).toEqual(["done"]);
    expect(writer.pendingCount()).toBe(0);
  });

  it("writes at once when flushed, and logs a failed write instead of stopping", async () => {
    const { db } = fixture;
    const runId = await newRun(db);
    const clock = new FakeClock();
    const failures: unknown[] = [];
    const writer = createWriteBehind({ db, timers: clock, writeDelayMs: 50, writeFailed: (error) => failures.push(error) });
    writer.task({ runId: "no-such-run", taskId: "a", state: "running", attempts: 1 });
    writer.start();
    await writer.flushed();
    expect(failures).toHaveLength(1);
    writer.task({ runId, taskId: "a", state: "failed", attempts: 2 });
    writer.start();
    await writer.flushed();
    expect((await db.runs.get(runId))?.tasks[0]).toMatchObject({ state: "failed", attempts: 2 });
    expect(clock.pending()).toBe(0);
  });

  it("does nothing when nothing is queued", async () => {
    const clock = new FakeClock();
    const writer = createWriteBehind({ db: fixture.db, timers: clock, writeDelayMs: 50, writeFailed: () => undefined });
    writer.start();
    expect(clock.pending()).toBe(0);
    await writer.flushed();
  });
});
