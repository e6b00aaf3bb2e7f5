import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { leaderLeaseRepository, LeaseLostError, type LeaderLeaseRepository } from "./leader-lease.ts";
import type { TestDatabase } from "./testing/open-test-database.ts";
import { describePostgres } from "./testing/describe-each-database.ts";
import type { NewRun } from "./run-records.ts";

const run = (id: string): NewRun & { id: string } => ({
  id,
  dagId: null,
  dagVersion: null,
  spec: { tasks: [{ id: "a" }] },
  options: {},
  status: "running",
  startedBy: null,
  tasks: [{ taskId: "a", state: "running" }],
});

describePostgres("when replicas share the leader lease in PostgreSQL", (fixture) => {
  let database: TestDatabase;
  let lease: LeaderLeaseRepository;

  beforeAll(() => {
    database = fixture();
    lease = leaderLeaseRepository(database.url);
  });

  afterAll(async () => {
    await lease?.close();
  });

  it("gives it to one replica at a time, under a new epoch at each change of holder, and fences the old epoch's writes", async () => {
    const first = await lease.acquire("r1", "http://r1", 60_000);
    expect(first?.epoch).toBe(1);
    expect(first!.remainingMs).toBeGreaterThan(0);
    expect(await lease.acquire("r2", "http://r2", 60_000)).toBeUndefined();
    expect((await lease.renew("r1", 1, 60_000))?.epoch).toBe(1);
    expect(await lease.renew("r2", 1, 60_000)).toBeUndefined();
    expect(await lease.current()).toMatchObject({ holder: "r1", holderUrl: "http://r1", epoch: 1 });

    await database.db.runs.create(run("fenced-run"));
    await database.db.runs.applyChanges({ epoch: 1, runs: [{ runId: "fenced-run", status: "succeeded" }] });
    expect((await database.db.runs.get("fenced-run"))?.run.status).toBe("succeeded");

    await lease.release("r1", 1); // as if its time ran out
    const second = await lease.acquire("r2", "http://r2", 60_000);
    expect(second?.epoch).toBe(2);
    expect(await lease.renew("r1", 1, 60_000)).toBeUndefined();

    // The deposed leader's late write: refused as a whole, nothing of it written.
    const late = await database.db.runs.applyChanges({ epoch: 1, runs: [{ runId: "fenced-run", status: "failed" }], tasks: [{ runId: "fenced-run", taskId: "a", state: "failed" }] }).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(LeaseLostError);
    expect((late as Error).message).toBe("the leader lease moved on (this write was decided under epoch 1, the lease is at 2): refused");
    const stored = await database.db.runs.get("fenced-run");
    expect([stored?.run.status, stored?.tasks[0]?.state]).toEqual(["succeeded", "running"]);
    await database.db.runs.applyChanges({ epoch: 2, tasks: [{ runId: "fenced-run", taskId: "a", state: "succeeded" }] });
    expect((await database.db.runs.get("fenced-run"))?.tasks[0]?.state).toBe("succeeded");
  });

  it("refuses a deposed leader's late run insert, interrupted mark and machine writes, and takes the current epoch's", async () => {
    const { db } = database;
    const held = (await lease.current())!;
    const stale = held.epoch;
    await lease.release(held.holder, stale);
    const current = (await lease.acquire("r3", "http://r3", 60_000))!.epoch;
    await db.machines.register({ name: "m1", capacity: {}, labels: {}, functions: [], status: "online", agentVersion: null, resultUrl: null, lastHeartbeatAt: null }, current);
    await db.runs.create(run("open-run"), current);
    const refused = async (write: Promise<unknown>) => expect(await write.then(() => "written", (error: unknown) => error)).toBeInstanceOf(LeaseLostError);

    await refused(db.runs.create(run("late-run"), stale));
    await refused(db.runs.markInterrupted(new Date(), ["open-run"], stale));
    await refused(db.machines.setStatus("m1", "offline", stale));
    await refused(db.machines.recordHeartbeats(["m1"], new Date(1_000), stale));
    await refused(db.machines.markAllOffline(stale));
    await refused(db.machines.register({ name: "m1", capacity: {}, labels: {}, functions: [], status: "offline", agentVersion: null, resultUrl: null, lastHeartbeatAt: null }, stale));
    expect(await db.runs.get("late-run")).toBeUndefined();
    expect((await db.runs.get("open-run"))?.run.status).toBe("running");
    expect(await db.machines.get("m1")).toMatchObject({ status: "online", lastHeartbeatAt: null });

    expect(await db.machines.recordHeartbeats(["m1"], new Date(2_000), current)).toBe(1);
    expect((await db.machines.setStatus("m1", "offline", current))?.status).toBe("offline");
    expect(await db.runs.markInterrupted(new Date(), ["open-run"], current)).toEqual(["open-run"]);
  });

  it("lets nobody renew an expired lease, and lets anyone take it (the holder too, under a new epoch)", async () => {
    const held = await lease.current();
    await lease.release(held!.holder, held!.epoch);
    expect(await lease.renew(held!.holder, held!.epoch, 60_000)).toBeUndefined();
    const again = await lease.acquire(held!.holder, "http://again", 60_000);
    expect(again?.epoch).toBe(held!.epoch + 1);
  });

  it("does not let a renewal that began before a release extend the lease once the release committed", async () => {
    const held = await lease.current();
    await lease.release(held!.holder, held!.epoch);
    const mine = await lease.acquire("racer", "http://racer", 60_000);
    // Another session holds the row while the renewal starts (its statement's time is now earlier than the release's),
    // then gives the lease up and commits: the renewal reaches the row only after that.
    const other = new pg.Client({ connectionString: database.url });
    other.on("error", () => undefined); // its queries' own failures reach the test through their promises
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(`SELECT 1 FROM "LeaderLease" FOR UPDATE`);
      // Settled at once: a renewal that gave up (its 1 s statement limit, under load) fails this test, never as an
      // unhandled rejection while the other session is still working.
      const renewal = lease.renew("racer", mine!.epoch, 60_000).then((grant) => ({ grant }), (error: unknown) => ({ error }));
      await new Promise((resolve) => setTimeout(resolve, 200));
      await other.query(`UPDATE "LeaderLease" SET "expiresAt" = timezone('UTC', clock_timestamp())`);
      await other.query("COMMIT");
      expect(await renewal).toEqual({ grant: undefined });
    } finally {
      await other.end();
    }
    expect((await lease.acquire("next", "http://next", 60_000))?.epoch).toBe(mine!.epoch + 1);
  });

  it("survives the server dropping the write-behind's idle connection, and writes the next batch on a new one", async () => {
    const { db } = database;
    await db.runs.create(run("dropped-connection-run"));
    await db.runs.applyChanges({ tasks: [{ runId: "dropped-connection-run", taskId: "a", state: "succeeded" }] });
    // What a PostgreSQL restart or failover does to every idle connection: without a listener on the writer's pool,
    // the idle client's "error" event would be thrown out of the process.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const ended = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'");
      expect(ended.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // the termination reaches the idle clients
    await db.runs.applyChanges({ runs: [{ runId: "dropped-connection-run", status: "succeeded" }] });
    expect((await db.runs.get("dropped-connection-run"))?.run.status).toBe("succeeded");
  });
});
