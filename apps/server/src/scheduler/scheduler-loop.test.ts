import { READY_REASON } from "@handoff/core";
import type { ChangeBatch } from "@handoff/db";
import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assigned, dagOf, helloFrom, RecordingLink, settle, succeededItem as ok, testConnection as connection, testEngine } from "./engine.test-support.ts";
import { FakeClock } from "./fake-clock.ts";
import type { RunEvent } from "./run-events.ts";
import { submittedRows } from "./submitted-rows.ts";

let fixture: TestDatabase;
beforeAll(async () => {
  fixture = await openTestDatabase("sqlite");
}, 60_000);
afterAll(() => fixture?.dispose());


async function cluster(machine: string) {
  const clock = new FakeClock(1_700_000_000_000);
  const engine = testEngine(fixture.db, clock);
  await engine.start();
  const link = new RecordingLink();
  const joined = await engine.connectAgent(helloFrom(machine), link, connection);
  if (!joined.ok) throw new Error(joined.message);
  return { clock, engine, link };
}

describe("when the scheduler loop runs a DAG", () => {
  it("assigns each ready task once, passes results along, writes every change and publishes the outcome", async () => {
    const { clock, engine, link } = await cluster("loop-a");
    const { dag, file } = dagOf([
      { id: "a", fn: "std.constant", extraArgs: [1] },
      { id: "b", fn: "std.identity", args: ["a"] },
    ]);
    const runId = await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
    const events: RunEvent[] = [];
    engine.subscribe(runId, (batch) => events.push(...batch));
    await settle(clock, engine);
    expect(assigned(link)).toEqual([{ attemptId: `${runId}/a#1`, taskId: "a" }]);
    clock.advance(20);
    engine.finished("loop-a", link, [ok(`${runId}/a#1`, "1")]);
    engine.finished("loop-a", new RecordingLink(), [ok(`${runId}/b#1`, "stale socket")]);
    await settle(clock, engine);
    expect(assigned(link).map((item) => item.taskId)).toEqual(["a", "b"]);
    const assignB = link.payloads("task:assign")[1] as { items: { inputs: unknown[] }[] };
    expect(assignB.items[0]?.inputs).toEqual([{ kind: "result", taskId: "a", machine: "loop-a" }]); // same machine: no fetch, no grant
    engine.finished("loop-a", link, [ok(`${runId}/b#1`, "1")]);
    const outcome = await engine.outcome(runId);
    expect(outcome).toMatchObject({ runId, status: "succeeded" });
    expect(events.map((event) => (event.type === "task" ? `${event.change.taskId}:${event.change.state}` : event.type))).toContain("b:succeeded");
    expect(events.at(-1)).toMatchObject({ type: "finished" });
    const stored = await fixture.db.runs.get(runId);
    expect(stored?.run.status).toBe("succeeded");
    expect(stored?.tasks.map((task) => [task.taskId, task.state, task.resultMachine])).toEqual([["a", "succeeded", "loop-a"], ["b", "succeeded", "loop-a"]]);
    expect((await fixture.db.runs.listAttempts(runId, "a"))[0]).toMatchObject({ state: "succeeded", machine: "loop-a" });
    expect(link.payloads("run:ended")).toEqual([{ v: 1, runId }]);
    expect(engine.isActive(runId)).toBe(false);
    expect(await engine.lookupResult(runId, "b")).toMatchObject({ machine: "loop-a", preview: "1" });
    await engine.stop();
  });

  it("inserts a fresh run's ready tasks queued and does not write them again when the scheduler queues them", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const batches: ChangeBatch[] = [];
    const runs = { ...fixture.db.runs, applyChanges: (batch: ChangeBatch) => (batches.push(batch), fixture.db.runs.applyChanges(batch)) };
    const engine = testEngine({ ...fixture.db, runs }, clock);
    await engine.start();
    const link = new RecordingLink();
    if (!(await engine.connectAgent(helloFrom("loop-ready"), link, connection)).ok) throw new Error("no join");
    const { dag, file } = dagOf([
      { id: "r1", fn: "std.constant", extraArgs: [1] },
      { id: "r2", fn: "std.constant", extraArgs: [2] },
      { id: "r3", fn: "std.constant", extraArgs: [3] },
      { id: "d", fn: "std.identity", args: ["r1"] },
    ]);
    const runId = await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
    const states = async () => Object.fromEntries((await fixture.db.runs.get(runId))!.tasks.map((task) => [task.taskId, [task.state, task.reason]]));
    await settle(clock, engine);
    // Two slots: r1 and r2 run, r3 stays queued with the reason it was inserted with, d waits for r1.
    expect(assigned(link).map((item) => item.taskId)).toEqual(["r1", "r2"]);
    expect(await states()).toEqual({
      r1: ["running", null],
      r2: ["running", null],
      r3: ["waiting_for_resources", READY_REASON],
      d: ["waiting_for_dependencies", null],
    });
    const written = batches.flatMap((batch) => batch.tasks ?? []);
    expect(written.filter((row) => row.taskId === "r3")).toEqual([]);
    expect(written.map((row) => `${row.taskId}:${String(row.state)}`).sort()).toEqual(["r1:running", "r2:running"]);
    engine.finished("loop-ready", link, [ok(`${runId}/r1#1`, "1"), ok(`${runId}/r2#1`, "2")]);
    await settle(clock, engine);
    engine.finished("loop-ready", link, [ok(`${runId}/r3#1`, "3"), ok(`${runId}/d#1`, "1")]);
    expect((await engine.outcome(runId))?.status).toBe("succeeded");
    expect(Object.values(await states()).map(([state]) => state)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    await engine.stop();
  });

  it("leaves the ready rows waiting for their dependencies when the core rejects the run after all (its machine left meanwhile)", async () => {
    const { clock, engine, link } = await cluster("loop-gone");
    const { dag, file } = dagOf([{ id: "a", fn: "std.constant", extraArgs: [1] }, { id: "b", fn: "std.identity", args: ["a"] }]);
    const submitting = engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
    engine.disconnectAgent("loop-gone", link, "socket closed"); // after the check, before the core has the run
    const runId = await submitting;
    expect((await engine.outcome(runId))?.status).toBe("rejected");
    await settle(clock, engine);
    expect((await fixture.db.runs.get(runId))!.tasks.map((task) => [task.taskId, task.state, task.reason])).toEqual([
      ["a", "waiting_for_dependencies", null],
      ["b", "waiting_for_dependencies", null],
    ]);
    await engine.stop();
  });

  it("inserts every task of a run that reuses results as waiting for its dependencies, as before", async () => {
    const { dag } = dagOf([{ id: "a", fn: "std.constant", extraArgs: [1] }, { id: "b", fn: "std.identity", args: ["a"] }]);
    expect(submittedRows(dag, false)).toEqual({ tasks: [{ taskId: "a", state: "waiting_for_dependencies" }, { taskId: "b", state: "waiting_for_dependencies" }], readyIds: [] });
    expect(submittedRows(dag, true)).toMatchObject({ tasks: [{ taskId: "a", state: "waiting_for_resources", reason: READY_REASON }, { taskId: "b", state: "waiting_for_dependencies" }], readyIds: ["a"] });
  });

  it("retries a failed attempt when its backoff is over, on the fake clock's time", async () => {
    const { clock, engine, link } = await cluster("loop-b");
    const { dag, file } = dagOf([{ id: "a", fn: "std.constant", extraArgs: [1], maxRetries: 1, retryBackoff: { initialMs: 1000, factor: 2, maxMs: 1000 } }]);
    const runId = await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
    let retryAt: number | undefined;
    engine.subscribe(runId, (batch) => {
      for (const event of batch) if (event.type === "task" && event.change.retryAt !== undefined) retryAt = event.change.retryAt;
    });
    await settle(clock, engine);
    engine.finished("loop-b", link, [{ ok: false, attemptId: `${runId}/a#1`, error: { kind: "function_failed", message: "boom" }, metrics: { wallMs: 1 } }]);
    await settle(clock, engine);
    expect(retryAt! - clock.now()).toBeGreaterThanOrEqual(500); // equal jitter: half the backoff at least
    clock.advance(retryAt! - clock.now() - 1);
    await settle(clock, engine);
    expect(assigned(link).map((item) => item.attemptId)).toEqual([`${runId}/a#1`]);
    clock.advance(1);
    await settle(clock, engine);
    expect(assigned(link).map((item) => item.attemptId)).toEqual([`${runId}/a#1`, `${runId}/a#2`]);
    expect((await fixture.db.runs.listAttempts(runId, "a"))[0]).toMatchObject({ state: "failed", errorKind: "function_failed", errorMessage: "boom" });
    await engine.stop();
  });

  it("fails the running attempt with machine_lost when its machine goes offline, and drops later reports over the old socket", async () => {
    const { clock, engine, link } = await cluster("loop-c");
    const { dag, file } = dagOf([{ id: "a", fn: "std.constant", extraArgs: [1], maxRetries: 0 }]);
    const runId = await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
    await settle(clock, engine);
    engine.disconnectAgent("loop-c", link, "socket closed");
    engine.finished("loop-c", link, [ok(`${runId}/a#1`, "1")]);
    const ending = engine.outcome(runId);
    clock.advance(60_000); // no machine left: the run fails once the no-machine grace is over
    const outcome = await ending;
    expect(outcome?.status).toBe("failed");
    expect((await fixture.db.runs.listAttempts(runId, "a"))[0]).toMatchObject({ state: "failed", errorKind: "machine_lost" });
    expect((await fixture.db.runs.listAttempts(runId, "a"))[0]?.errorMessage).toMatch(/machine "loop-c" went offline during the attempt \(socket closed\)/);
    await engine.stop();
  });

  it("keeps log lines of an attempt for a minute after it closed, and drops those of unknown attempts", async () => {
    const { clock, engine, link } = await cluster("loop-d");
    const { dag, file } = dagOf([{ id: "a", fn: "std.constant", extraArgs: [1] }]);
    const runId = await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
    await settle(clock, engine);
    engine.finished("loop-d", link, [ok(`${runId}/a#1`, "1")]);
    await engine.outcome(runId);
    const line = (message: string, attemptId = `${runId}/a#1`) => ({ attemptId, level: "info" as const, message, at: clock.now() });
    engine.logs("loop-d", link, [line("late"), line("stranger", `${runId}/a#9`)]);
    clock.advance(60_000);
    engine.logs("loop-d", link, [line("too late")]);
    await settle(clock, engine);
    expect((await fixture.db.logs.list({ runId })).logs.map((stored) => stored.message)).toEqual(["late"]);
    await engine.stop();
  });

  it("cancels a run: its running attempt is aborted on the agent and the run ends cancelled", async () => {
    const { clock, engine, link } = await cluster("loop-e");
    const { dag, file } = dagOf([{ id: "a", fn: "std.constant", extraArgs: [1] }]);
    const runId = await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
    await settle(clock, engine);
    expect(engine.cancel(runId, "changed my mind")).toBe(true);
    expect(link.payloads("task:abort")).toEqual([{ v: 1, attemptId: `${runId}/a#1`, reason: "cancelled" }]);
    expect((await engine.outcome(runId))?.status).toBe("cancelled");
    expect(engine.cancel(runId)).toBe(false);
    expect((await fixture.db.runs.listAttempts(runId, "a"))[0]).toMatchObject({ state: "cancelled" });
    await engine.stop();
  });

  it("publishes a tick's changes to a watcher as one batch: a burst of finished tasks is one message, in order", async () => {
    const { clock, engine, link } = await cluster("loop-f");
    const ids = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const { dag, file } = dagOf([...ids.map((id) => ({ id, fn: "std.constant", extraArgs: [1] })), { id: "sink", fn: "std.identity", args: ["t0"] }]);
    const runId = await engine.submit({ dag, file, options: { maxConcurrency: 100 }, startedBy: null, dagId: null, dagVersion: null });
    const batches: (readonly RunEvent[])[] = [];
    engine.subscribe(runId, (batch) => batches.push(batch));
    await settle(clock, engine);
    batches.length = 0;
    clock.advance(5);
    engine.finished("loop-f", link, ids.map((id) => ok(`${runId}/${id}#1`, "1")));
    await settle(clock, engine);
    expect(batches).toHaveLength(1);
    const succeeded = batches[0]!.filter((event) => event.type === "task" && event.change.state === "succeeded").map((event) => (event.type === "task" ? event.change.taskId : ""));
    expect(succeeded).toEqual(ids);
    await engine.stop();
  });
});
