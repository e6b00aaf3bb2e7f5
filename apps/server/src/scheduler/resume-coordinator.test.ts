import type { TaskFinishedItem } from "@handoff/protocol";
import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assigned, dagOf, helloFrom, RecordingLink, settle, testEngine } from "./engine.test-support.ts";
import { FakeClock } from "./fake-clock.ts";

let fixture: TestDatabase;
beforeEach(async () => {
  fixture = await openTestDatabase("sqlite");
}, 60_000);
afterEach(() => fixture?.dispose());

const connection = { hasJoinToken: true, address: "127.0.0.1", resultPort: 7411 };
const ok = (attemptId: string, preview: string): TaskFinishedItem => ({ ok: true, attemptId, result: { size: 1, contentType: "application/json", preview, truncated: false }, metrics: { wallMs: 5 } });

/** A first server process that ran `a` and left `b` running on machine `m`, then stopped. */
async function leftInFlight(alsoConnected: readonly string[] = []): Promise<string> {
  const clock = new FakeClock(1_700_000_000_000);
  const engine = testEngine(fixture.db, clock);
  await engine.start();
  const link = new RecordingLink();
  await engine.connectAgent(helloFrom("m"), link, connection);
  for (const name of alsoConnected) await engine.connectAgent(helloFrom(name), new RecordingLink(), connection);
  const { dag, file } = dagOf([
    { id: "a", fn: "std.constant", extraArgs: [1] },
    { id: "b", fn: "std.identity", args: ["a"] },
  ]);
  const runId = await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
  await settle(clock, engine);
  engine.finished("m", link, [ok(`${runId}/a#1`, "1")]);
  await settle(clock, engine);
  expect(assigned(link).map((item) => item.taskId)).toEqual(["a", "b"]);
  await engine.stop();
  return runId;
}

describe("when a restarted server resumes the runs left in flight", () => {
  it("waits for their machine, then adopts the attempt it still runs: nothing runs twice", async () => {
    const runId = await leftInFlight();
    const clock = new FakeClock(1_700_000_100_000);
    const engine = testEngine(fixture.db, clock, { resumeGraceMs: 30_000 });
    await engine.start();
    expect(engine.isActive(runId)).toBe(true);
    const ending = engine.outcome(runId);
    const link = new RecordingLink();
    await engine.connectAgent(helloFrom("m", { running: [`${runId}/b#1`, "other-run/x#1"] }), link, connection);
    expect(link.payloads("task:abort")).toEqual([{ v: 1, attemptId: "other-run/x#1", reason: "cancelled" }]); // unknown to any run
    clock.advance(999);
    engine.finished("m", link, [ok(`${runId}/b#1`, "1")]); // held until the run resumes
    clock.advance(1);
    await settle(clock, engine);
    expect(assigned(link)).toEqual([]);
    expect((await ending)?.status).toBe("succeeded");
    expect((await fixture.db.runs.listAttempts(runId)).map((attempt) => [attempt.id, attempt.state])).toEqual([
      [`${runId}/a#1`, "succeeded"],
      [`${runId}/b#1`, "succeeded"],
    ]);
    await engine.stop();
  });

  it("waits for every machine the previous process had connected, not only those its rows name (a killed server's rows lag)", async () => {
    const runId = await leftInFlight(["n"]);
    const clock = new FakeClock(1_700_000_100_000);
    const engine = testEngine(fixture.db, clock, { resumeGraceMs: 30_000 });
    await engine.start();
    let ended = false;
    const ending = engine.outcome(runId).then((outcome) => ((ended = true), outcome));
    const link = new RecordingLink();
    await engine.connectAgent(helloFrom("m", { running: [`${runId}/b#1`] }), link, connection);
    engine.finished("m", link, [ok(`${runId}/b#1`, "1")]); // held until the run resumes
    clock.advance(5_000);
    await settle(clock, engine);
    // "n" may hold work the database never saw: the run still waits, b's report is held, nothing is written.
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false);
    expect((await fixture.db.runs.listAttempts(runId)).find((attempt) => attempt.taskId === "b")?.state).toBe("running");
    await engine.connectAgent(helloFrom("n"), new RecordingLink(), connection);
    clock.advance(1_000);
    await settle(clock, engine);
    expect((await ending)?.status).toBe("succeeded");
    expect(assigned(link)).toEqual([]);
    await engine.stop();
  });

  it("resumes after the grace period without the machine: the attempt it ran failed as interrupted, a cancel asked meanwhile applies then", async () => {
    const runId = await leftInFlight();
    await fixture.db.runs.create({ id: "broken", dagId: null, dagVersion: null, spec: { format: "nonsense" }, options: {}, status: "running", startedBy: null, tasks: [] });
    const clock = new FakeClock(1_700_000_100_000);
    const engine = testEngine(fixture.db, clock, { resumeGraceMs: 30_000 });
    await engine.start();
    expect(engine.cancel(runId, "stop it")).toBe(true);
    const ending = engine.outcome(runId);
    clock.advance(29_999);
    expect(engine.isActive(runId)).toBe(true);
    clock.advance(1);
    await settle(clock, engine);
    const outcome = await ending;
    expect(outcome?.status).toBe("cancelled");
    const attemptB = (await fixture.db.runs.listAttempts(runId, "b"))[0];
    expect(attemptB).toMatchObject({ state: "failed", errorKind: "interrupted" });
    await expect.poll(async () => (await fixture.db.runs.get("broken"))?.run.status).toBe("interrupted");
    await engine.stop();
  });
});

const heldResult = { size: 1, contentType: "application/json" as const, preview: "1", truncated: false };

describe("when an agent comes back on a new connection without attempts counted as running on it", () => {
  it("takes the result it holds as that attempt's report, and runs again the one it neither runs nor holds", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const engine = testEngine(fixture.db, clock);
    await engine.start();
    const first = new RecordingLink();
    await engine.connectAgent(helloFrom("m", { capacity: { cpu: 2, slots: 2 } }), first, connection);
    const { dag, file } = dagOf([
      { id: "a", fn: "std.constant", extraArgs: [1] },
      { id: "b", fn: "std.constant", extraArgs: [2] },
    ]);
    const runId = await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
    await settle(clock, engine);
    expect(assigned(first).map((item) => item.attemptId).toSorted()).toEqual([`${runId}/a#1`, `${runId}/b#1`]);

    // Their reports were lost on the way (a's result is held by the agent; b's assignment never reached it).
    const second = new RecordingLink();
    await engine.connectAgent(helloFrom("m", { capacity: { cpu: 2, slots: 2 }, running: [], held: [{ attemptId: `${runId}/a#1`, runId, taskId: "a", result: heldResult }] }), second, connection);
    await settle(clock, engine);
    expect(assigned(second).map((item) => item.attemptId)).toEqual([`${runId}/b#2`]);
    engine.finished("m", second, [ok(`${runId}/b#2`, "2")]);
    await settle(clock, engine);
    expect((await engine.outcome(runId))?.status).toBe("succeeded");
    expect((await fixture.db.runs.listAttempts(runId)).map((attempt) => [attempt.id, attempt.state]).toSorted()).toEqual([
      [`${runId}/a#1`, "succeeded"],
      [`${runId}/b#1`, "failed"],
      [`${runId}/b#2`, "succeeded"],
    ]);
    await engine.stop();
  });
});
