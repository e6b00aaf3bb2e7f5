import { expect, it } from "vitest";
import { dagFile, writeFunctionModules } from "./fixtures.ts";
import { countedSleeps, describeReplicas, expectRanOnce, linesOf } from "./replicas-fixture.ts";

// Issue #18 §1: two servers on one PostgreSQL and one Redis; the leader is killed with SIGKILL mid-run; the standby
// takes the lease, resumes the run through the resume path (the agents find it and re-announce), and the run completes
// once with correct results, nothing run twice to completion, and no claim left.
const modules = writeFunctionModules();
const WIDTH = 24;

describeReplicas("when the leader replica is killed mid-run", [
  { name: "one", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] },
  { name: "two", capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] },
], (replicas) => {
  it("refuses scheduler work on the standby with the leader's URL, and serves reads there", async () => {
    expect(await replicas().roles()).toEqual(["leader", "standby"]);
    const response = await fetch(`${replicas().urls[1]}/api/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${replicas().adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ dag: { file: dagFile("on-standby", [{ id: "a", fn: "std.constant", extraArgs: [1] }]) } }),
    });
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { kind: string; details?: { leaderUrl?: string } } };
    expect([body.error.kind, body.error.details?.leaderUrl]).toEqual(["not_leader", replicas().urls[0]]);
    const standbyRuns = await fetch(`${replicas().urls[1]}/api/runs`, { headers: { authorization: `Bearer ${replicas().adminToken}` } });
    expect(standbyRuns.status).toBe(200);
  });

  it("refuses a token revoked on the leader at once on the standby too (the credential caches hear it over Redis)", async () => {
    const { id, token } = await replicas().client.trpc.tokens.create.mutate({ name: "revoked across replicas", kind: "user" });
    const onStandby = () => fetch(`${replicas().urls[1]}/api/runs`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.status);
    expect(await onStandby()).toBe(200); // cached on the standby now (re-read only after 5 s)
    await fetch(`${replicas().urls[0]}/api/tokens/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${replicas().adminToken}` } }).then((response) => expect(response.status).toBe(200));
    // Well within the cache's 5 s re-read: only the message can have told the standby.
    await expect.poll(onStandby, { timeout: 2_000, interval: 50 }).toBe(401);
  });

  it("takes over within seconds and finishes the run once, with correct results and an empty ledger", async () => {
    const { dag, counter } = countedSleeps("failover", WIDTH, 400);
    const { runId } = await replicas().client.startRun(dag, { idempotencyKey: "failover-run" });
    // A client watching the run through the leader keeps watching through the failover (the SDK moves to the new leader).
    const watched: string[] = [];
    const watching = replicas().client.watchRun(runId, (message) => watched.push(message.type));
    // Mid-run: some tasks have finished, most have not.
    await expect.poll(() => linesOf(counter).length, { timeout: 60_000, interval: 50 }).toBeGreaterThanOrEqual(4);
    expect(linesOf(counter).length).toBeLessThan(WIDTH);

    await expect.poll(() => watched.length, { timeout: 30_000 }).toBeGreaterThan(0); // the watch is on the leader
    const killedAt = performance.now();
    await replicas().killServer(0);
    await expect.poll(async () => (await replicas().roles())[1], { timeout: 30_000, interval: 50 }).toBe("leader");
    const takeoverMs = Math.round(performance.now() - killedAt);
    console.log(`failover: the standby took the leader lease ${takeoverMs} ms after the leader was killed (lease TTL 3000 ms, renewed every 1000 ms)`);

    await expect.poll(async () => (await replicas().client.getRun(runId)).status, { timeout: 90_000, interval: 250 }).toBe("succeeded");
    expect((await watching)?.status).toBe("succeeded");
    // Its end came from the new leader: a second subscription there, which starts with a snapshot as every one does.
    expect(watched.filter((type) => type === "snapshot").length).toBeGreaterThanOrEqual(2);
    await expectRanOnce(replicas(), runId, counter, WIDTH);
  }, 240_000);
});
