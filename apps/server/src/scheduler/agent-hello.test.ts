import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { SERVER_AUDIENCE, verifyGrant } from "@handoff/protocol/grant";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assigned, dagOf, helloFrom, RecordingLink, settle, succeededItem as ok, testConnection as connection, testEngine } from "./engine.test-support.ts";
import { FakeClock } from "./fake-clock.ts";

let fixture: TestDatabase;
beforeAll(async () => {
  fixture = await openTestDatabase("sqlite");
}, 60_000);
afterAll(() => fixture?.dispose());

const storeId = "store-0001";

/** One pre-assigning agent, running `p` with `c` pre-assigned beside it (waiting for p's value). */
async function preAssigned(machine: string) {
  const clock = new FakeClock(1_700_000_000_000);
  const engine = testEngine(fixture.db, clock);
  await engine.start();
  const link = new RecordingLink();
  const joined = await engine.connectAgent(helloFrom(machine, { aheadDepth: 1, preAssign: true, storeId }), link, connection);
  if (!joined.ok) throw new Error(joined.message);
  const { dag, file } = dagOf([
    { id: "p", fn: "std.constant", extraArgs: [1], maxRetries: 0 },
    { id: "c", fn: "std.identity", args: ["p"], maxRetries: 0 },
  ]);
  const runId = await engine.submit({ dag, file, options: {}, startedBy: null, dagId: null, dagVersion: null });
  await settle(clock, engine);
  expect(assigned(link)).toEqual([{ attemptId: `${runId}/p#1`, taskId: "p" }, { attemptId: `${runId}/c#1`, taskId: "c" }]);
  return { clock, engine, runId, link };
}

describe("an agent's hello on a new connection, set against pre-assigned attempts", () => {
  it("withdraws a pre-assigned attempt it came back without while its producer still runs: recorded cancelled, not machine_lost, placed again", async () => {
    const { clock, engine, runId } = await preAssigned("hello-a");
    // The assignment of c never arrived (say): the agent comes back running p only.
    const back = new RecordingLink();
    const rejoined = await engine.connectAgent(helloFrom("hello-a", { aheadDepth: 1, preAssign: true, storeId, running: [`${runId}/p#1`] }), back, connection);
    expect(rejoined.ok).toBe(true);
    await settle(clock, engine);
    expect((await fixture.db.runs.listAttempts(runId, "c"))[0]).toMatchObject({ number: 1, state: "cancelled" });
    expect((await fixture.db.runs.listAttempts(runId, "c"))[0]?.errorKind).not.toBe("machine_lost");
    expect((await fixture.db.runs.get(runId))?.tasks.find((task) => task.taskId === "c")?.state).toBe("waiting_for_dependencies");
    // p's value: c is placed again (it had no retry to spend, and spent none) and the run succeeds.
    engine.finished("hello-a", back, [ok(`${runId}/p#1`, "1")]);
    await settle(clock, engine);
    expect(assigned(back)).toEqual([{ attemptId: `${runId}/c#2`, taskId: "c" }]);
    engine.finished("hello-a", back, [ok(`${runId}/c#2`, "1")]);
    expect(await engine.outcome(runId)).toMatchObject({ status: "succeeded" });
    await engine.stop();
  });

  it("still fails as machine_lost an attempt that had started (the producer), and withdraws the one waiting for it", async () => {
    const { clock, engine, runId } = await preAssigned("hello-b");
    const back = new RecordingLink();
    await engine.connectAgent(helloFrom("hello-b", { aheadDepth: 1, preAssign: true, storeId }), back, connection);
    await settle(clock, engine);
    expect((await fixture.db.runs.listAttempts(runId, "p"))[0]).toMatchObject({ number: 1, state: "failed", errorKind: "machine_lost" });
    expect((await fixture.db.runs.listAttempts(runId, "c"))[0]).toMatchObject({ number: 1, state: "cancelled" });
    // p runs again (a machine loss is not the task's fault), and c is pre-assigned after it.
    expect(assigned(back)).toEqual([{ attemptId: `${runId}/p#2`, taskId: "p" }, { attemptId: `${runId}/c#2`, taskId: "c" }]);
    await engine.stop();
  });

  it("withdraws it too when the agent's socket drops (killed): recorded cancelled, not machine_lost, when the machine goes offline", async () => {
    const { clock, engine, runId, link } = await preAssigned("hello-c");
    engine.disconnectAgent("hello-c", link, "socket closed");
    await settle(clock, engine);
    expect((await fixture.db.runs.listAttempts(runId, "p"))[0]).toMatchObject({ state: "failed", errorKind: "machine_lost" });
    expect((await fixture.db.runs.listAttempts(runId, "c"))[0]).toMatchObject({ number: 1, state: "cancelled" });
    await engine.stop();
  });
});

describe("an agent's hello saying which fetch proofs its result server accepts", () => {
  it("makes the grants for its values tell a machine audience to sign version 2, until a hello that does not say it", async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const engine = testEngine(fixture.db, clock);
    await engine.start();
    const proofIn = (audience: string): unknown => {
      const machine = engine.machines.get("proofs-a")!;
      const checked = verifyGrant(machine.grantSecret, engine.grantFor(machine, "run", "t", audience), { now: clock.now(), holder: "proofs-a" });
      return checked.ok ? checked.grant.proof : expect.fail(checked.reason);
    };
    for (const [fetchProofs, expected] of [[[1, 2], 2], [undefined, undefined], [[1], undefined], [[1, 2, 3], 2]] as const) {
      const joined = await engine.connectAgent(helloFrom("proofs-a", fetchProofs === undefined ? {} : { fetchProofs: [...fetchProofs] }), new RecordingLink(), connection);
      if (!joined.ok) throw new Error(joined.message);
      expect(proofIn("proofs-b"), `hello with ${JSON.stringify(fetchProofs)}`).toBe(expected);
      expect(proofIn(SERVER_AUDIENCE)).toBeUndefined(); // the relay's own proof is the server's HMAC, unchanged
    }
    await engine.stop();
  });
});
