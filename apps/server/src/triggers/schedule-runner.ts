import { compileCron } from "@handoff/api";
import type { Database, FiringRecord, ScheduleRecord } from "@handoff/db";
import type { Logger } from "../log.ts";
import { scopedIdempotencyKey } from "../services/idempotent-start.ts";
import type { Clock, TimerHandle, Timers } from "../scheduler/clock.ts";
import { planFirings } from "./plan-firings.ts";

/**
 * Starts one firing's run; throws (an ApiError naming a bad parameter, a rejected DAG) when it cannot. The firing's
 * idempotency key makes a second start of the same firing answer with the run the first one started.
 */
export type StartScheduledRun = (schedule: ScheduleRecord, scheduledAt: Date, idempotencyKey: string) => Promise<string>;

/** The idempotency key of a firing's run (scoped like a token's: `schedule:<firing id>`). */
export const firingRunKey = (firingId: string): { readonly tokenId: string; readonly key: string } => ({ tokenId: "schedule", key: firingId });

/** The longest the runner sleeps: it looks at the table this often anyway (another server may have changed it). */
const DEFAULT_SCHEDULE_POLL_MS = 30_000;
const MIN_POLL_MS = 100;
const MAX_POLL_MS = 10 * 60_000;

export interface ScheduleRunnerOptions {
  readonly db: Pick<Database, "schedules" | "runs">;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly log: Logger;
  readonly start: StartScheduledRun;
  /** Bounded to 100 ms … 10 min. */
  readonly pollMs?: number;
}

/**
 * Fires the enabled schedules. Each pass reads them from the database, plans each one's due times from its cursor
 * (`planFirings`), and for each time inserts the firing row first: only the server whose insert wins starts the run, so a
 * restart or a second server on the same database neither doubles nor (within the catch-up policy) misses a firing.
 * Then the cursor moves, and a timer (on the injected clock) wakes the runner at the next time, at most `pollMs` away.
 * @example
 * const runner = new ScheduleRunner({ db, clock: systemClock, timers, log, start });
 * runner.start();
 * runner.changed(); // a schedule was created or edited: plan now
 * await runner.stop();
 */
export class ScheduleRunner {
  private timer: TimerHandle | undefined;
  private pass: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private ended = false;
  private readonly pollMs: number;

  constructor(private readonly options: ScheduleRunnerOptions) {
    const poll = options.pollMs ?? DEFAULT_SCHEDULE_POLL_MS;
    this.pollMs = Number.isFinite(poll) ? Math.min(Math.max(poll, MIN_POLL_MS), MAX_POLL_MS) : DEFAULT_SCHEDULE_POLL_MS;
  }

  /** Starts firing (a runner once stopped stays stopped). */
  start(): void {
    if (this.ended) return;
    this.stopped = false;
    this.changed();
  }

  /** Plans again as soon as the current pass (if any) ends. */
  changed(): void {
    if (this.stopped) return;
    if (this.pass !== undefined) {
      this.again = true;
      return;
    }
    this.options.timers.clear(this.timer);
    this.timer = undefined;
    this.pass = this.runPass().finally(() => {
      this.pass = undefined;
      if (this.again) {
        this.again = false;
        this.changed();
      }
    });
  }

  /** Stops the timer and waits for a pass in flight (its firings are recorded before this resolves). */
  async stop(): Promise<void> {
    this.ended = true;
    this.stopped = true;
    this.options.timers.clear(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** One pass over every enabled schedule; resolves once every firing it started is recorded. */
  private async runPass(): Promise<void> {
    const { clock, log } = this.options;
    let wake = clock.now() + this.pollMs;
    try {
      const schedules = await this.options.db.schedules.list({ enabledOnly: true });
      for (const schedule of schedules) {
        if (this.stopped) return;
        const next = await this.fireDue(schedule).catch((error: unknown) => {
          log.error("a schedule's pass failed", { scheduleId: schedule.id, error: error instanceof Error ? error.message : String(error) });
          return null;
        });
        if (next !== null) wake = Math.min(wake, next);
      }
    } catch (error) {
      log.error("reading the schedules failed", { error: error instanceof Error ? error.message : String(error) });
    }
    if (this.stopped) return;
    this.timer = this.options.timers.set(Math.max(0, wake - clock.now()), () => {
      this.timer = undefined;
      this.changed();
    });
  }

  /** Fires what is due for one schedule, moves its cursor, answers its next time. */
  private async fireDue(schedule: ScheduleRecord): Promise<number | null> {
    const compiled = compileCron(schedule.cron, schedule.timeZone);
    if (!compiled.ok) {
      this.options.log.warn("a schedule's expression no longer compiles; it does not fire", { scheduleId: schedule.id, error: compiled.message });
      return null;
    }
    const now = this.options.clock.now();
    const cursor = (schedule.cursorAt ?? schedule.createdAt).getTime();
    await this.resumePending(schedule, now);
    const plan = planFirings({ times: compiled.times, catchUp: schedule.catchUp, catchUpLimit: schedule.catchUpLimit, cursor, now });
    for (const at of plan.fire) await this.fire(schedule, new Date(at));
    if (plan.missed > 0) this.options.log.info("a schedule missed firings its catch-up policy leaves out", { scheduleId: schedule.id, missed: plan.missed, catchUp: schedule.catchUp });
    await this.options.db.schedules.advanceCursor(schedule.id, new Date(plan.cursor));
    return plan.next;
  }

  private async fire(schedule: ScheduleRecord, scheduledAt: Date): Promise<void> {
    const claim = await this.options.db.schedules.claimFiring(schedule.id, scheduledAt, new Date(this.options.clock.now()));
    if (!claim.claimed) return; // another server (or this one before a restart) has it
    await this.startFiring(schedule, claim.firing);
  }

  /**
   * Firings a server claimed and then stopped before recording (a crash between the insert and the run's start): the
   * run it may have started is found by the firing's idempotency key, or started now — never twice.
   */
  private async resumePending(schedule: ScheduleRecord, now: number): Promise<void> {
    const { db, log } = this.options;
    for (const firing of await db.schedules.pendingFirings(schedule.id, new Date(now))) {
      const { tokenId, key } = firingRunKey(firing.id);
      const started = await db.runs.findByIdempotencyKey(scopedIdempotencyKey(tokenId, key));
      log.info("a firing left pending by a stopped server is settled now", { scheduleId: schedule.id, scheduledAt: firing.scheduledAt.toISOString(), runId: started?.id ?? null });
      if (started) await db.schedules.settleFiring(firing.id, "started", null, started.id);
      else await this.startFiring(schedule, firing);
    }
  }

  private async startFiring(schedule: ScheduleRecord, firing: FiringRecord): Promise<void> {
    const { db, log } = this.options;
    const scheduledAt = firing.scheduledAt;
    const active = await db.schedules.activeRuns(schedule.id);
    if (active >= schedule.maxActiveRuns) {
      await db.schedules.settleFiring(firing.id, "skipped", `${active} run${active === 1 ? " is" : "s are"} still active (maxActiveRuns ${schedule.maxActiveRuns})`, null);
      return;
    }
    try {
      const runId = await this.options.start(schedule, scheduledAt, firing.id);
      await db.schedules.settleFiring(firing.id, "started", null, runId);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.warn("a scheduled run did not start", { scheduleId: schedule.id, scheduledAt: scheduledAt.toISOString(), error: message });
      await db.schedules.settleFiring(firing.id, "failed", message.slice(0, 2000), null);
    }
  }
}
