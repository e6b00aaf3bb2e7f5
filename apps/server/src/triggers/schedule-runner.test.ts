import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { createLogger } from "../log.ts";
import { FakeClock } from "../scheduler/fake-clock.ts";
import { scopedIdempotencyKey } from "../services/idempotent-start.ts";
import { firingRunKey, ScheduleRunner } from "./schedule-runner.ts";

const HOUR = 3_600_000;
const start = Date.parse("2026-12-01T10:00:00Z");

describe("a firing left pending by a server that stopped between its claim and its run", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase("sqlite");
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it("is started by the next pass under its idempotency key, or settled with the run the stopped server had started", async () => {
    const { db } = database;
    const created = await db.dags.create({ name: "hourly", spec: { tasks: [] }, createdBy: "admin" });
    if (created.kind !== "created") throw new Error(`dag not created: ${created.kind}`);
    // Hourly, no catch-up, created now: nothing new is due for an hour, so only the pending firings can start runs.
    const schedule = await db.schedules.create(created.dag.id, { cron: "0 * * * *", timeZone: "UTC", params: null, enabled: true, catchUp: "none", catchUpLimit: 1, maxActiveRuns: 10 }, "admin", new Date(start));
    const never = await db.schedules.claimFiring(schedule.id, new Date(start - HOUR), new Date(start - HOUR));
    const halfway = await db.schedules.claimFiring(schedule.id, new Date(start - 2 * HOUR), new Date(start - 2 * HOUR));
    if (!never.claimed || !halfway.claimed) throw new Error("the firings were not claimed");
    // The second stopped server had started its run (the key is on the run) but not recorded the firing.
    const { tokenId, key } = firingRunKey(halfway.firing.id);
    const startedBefore = await db.runs.create({ dagId: created.dag.id, dagVersion: 1, spec: { tasks: [] }, options: {}, status: "succeeded", startedBy: "schedule", tasks: [], idempotencyKey: scopedIdempotencyKey(tokenId, key) });

    const starts: { firingId: string; scheduledAt: string }[] = [];
    const clock = new FakeClock(start);
    const runner = new ScheduleRunner({
      db,
      clock,
      timers: clock,
      log: createLogger("silent"),
      pollMs: 60_000,
      start: (_schedule, scheduledAt, firingId) => {
        starts.push({ firingId, scheduledAt: scheduledAt.toISOString() });
        return Promise.resolve(`run-for-${firingId}`);
      },
    });
    runner.start();
    await expect.poll(async () => (await db.schedules.pendingFirings(schedule.id, new Date(start + HOUR))).length, { timeout: 10_000 }).toBe(0);
    await runner.stop();

    expect(starts).toEqual([{ firingId: never.firing.id, scheduledAt: new Date(start - HOUR).toISOString() }]);
    const firings = new Map((await db.schedules.firings(schedule.id, 10)).map((firing) => [firing.id, firing]));
    expect(firings.get(never.firing.id)).toMatchObject({ outcome: "started", runId: `run-for-${never.firing.id}` });
    expect(firings.get(halfway.firing.id)).toMatchObject({ outcome: "started", runId: startedBefore.id });
  });
});
