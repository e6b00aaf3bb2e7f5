import type { Database, InFlightRun } from "@handoff/db";
import type { AgentHello, TaskFinishedItem } from "@handoff/protocol";
import type { Logger } from "../log.ts";
import { attemptParts } from "./attempt-id.ts";
import type { Clock, TimerHandle, Timers } from "./clock.ts";
import { unfenced, type LeaderGate } from "./leadership.ts";
import type { LiveMachine } from "./live-machine.ts";
import { planResume, type HeldReport, type ResumePlan } from "./plan-resume.ts";
import type { ResultLocations } from "./result-locations.ts";
import type { SchedulerLoop } from "./scheduler-loop.ts";
import type { WriteBehind } from "./write-behind.ts";

export const DEFAULT_RESUME_GRACE_MS = 30_000;
/** Once every machine the runs need is back: how long their queued reports get to arrive. */
const SETTLE_MS = 1000;

export interface ResumeCoordinatorOptions {
  readonly db: Database;
  readonly log: Logger;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly loop: SchedulerLoop;
  readonly results: ResultLocations;
  readonly writer: WriteBehind;
  readonly machines: ReadonlyMap<string, LiveMachine>;
  readonly resumeGraceMs: number;
  /** Cancels a run once it has resumed (a cancel asked for while it waited). */
  readonly cancel: (runId: string, reason: string) => void;
  /** Replicas: the interrupted-run write carries the leader lease's epoch (default: one server, none). */
  readonly fence?: LeaderGate["fence"];
  /** Replicas: the leader lease's epoch the aborts carry (agents ignore a lower one than they have seen). */
  readonly epoch?: () => number | undefined;
}

/**
 * Runs left in flight by the previous server process wait here for their machines (or the grace period),
 * collecting what the returning agents report; then `planResume` decides and this carries the plan out.
 */
export class ResumeCoordinator {
  private resuming = new Map<string, InFlightRun>();
  private heldAttempts = new Map<string, string>();
  /** Machines connected to the previous server process: any of them may hold work for a waiting run it never wrote. */
  private lastConnected = new Set<string>();
  private heldReports = new Map<string, HeldReport>();
  /** Held attempts their returning agents say they are still running: adopted when the run resumes. */
  private heldRunning = new Map<string, string>();
  private readonly cancelAfterResume = new Map<string, string>();
  private graceTimer: TimerHandle | undefined;
  private settleTimer: TimerHandle | undefined;
  private isClosed = false;

  constructor(private readonly options: ResumeCoordinatorOptions) {}

  /**
   * `lastConnected`: the machines the previous process had connected (online or draining in the database). The
   * database lags behind the agents (write-behind; a killed server never flushed), so an early resume waits for all
   * of them, not only for those the stored rows name: their re-announced results and running attempts are adopted.
   */
  load(inFlight: readonly InFlightRun[], lastConnected: readonly string[] = []): void {
    this.lastConnected = new Set(lastConnected);
    for (const entry of inFlight) {
      this.resuming.set(entry.run.id, entry);
      for (const attempt of entry.attempts) {
        if (attempt.state === "running" && attempt.machine !== null) this.heldAttempts.set(attempt.id, attempt.machine);
      }
    }
    if (this.resuming.size === 0) return;
    this.options.log.warn("runs in flight at the previous shutdown will resume", { runs: [...this.resuming.keys()], graceMs: this.options.resumeGraceMs });
    this.graceTimer = this.options.timers.set(this.options.resumeGraceMs, () => this.resume("grace period over"));
  }

  close(): void {
    this.isClosed = true;
    this.options.timers.clear(this.graceTimer);
    this.options.timers.clear(this.settleTimer);
  }

  isResuming(runId: string): boolean {
    return this.resuming.has(runId);
  }

  /** Holds a cancel until the run has resumed; false when the run is not waiting. */
  cancel(runId: string, reason: string): boolean {
    if (!this.resuming.has(runId)) return false;
    this.cancelAfterResume.set(runId, reason);
    return true;
  }

  /** Keeps a finished report of a waiting run's attempt for the resume; false when the run is not waiting. */
  holdReport(machine: string, item: TaskFinishedItem): boolean {
    const parts = this.resuming.size === 0 ? undefined : attemptParts(item.attemptId);
    if (!parts || !this.resuming.has(parts.runId)) return false;
    this.heldReports.set(item.attemptId, { machine, runId: parts.runId, taskId: parts.taskId, item });
    return true;
  }

  /** Keeps an attempt a returning agent still runs for a waiting run (adopted on resume); false otherwise. */
  holdRunning(machine: string, attemptId: string): boolean {
    const parts = this.resuming.size === 0 ? undefined : attemptParts(attemptId);
    if (!parts || !this.resuming.has(parts.runId)) return false;
    this.heldRunning.set(attemptId, machine);
    return true;
  }

  /** Results the agent finished for waiting runs: adopted on resume (the old server may not have written them). */
  holdResults(machine: string, hello: AgentHello): void {
    for (const held of hello.held) {
      if (!this.resuming.has(held.runId) || this.heldReports.has(held.attemptId)) continue;
      const item: TaskFinishedItem = { ok: true, attemptId: held.attemptId, result: held.result, metrics: { wallMs: 0 } };
      this.heldReports.set(held.attemptId, { machine, runId: held.runId, taskId: held.taskId, item, ...(hello.storeId === undefined ? {} : { storeId: hello.storeId }) });
    }
  }

  /** Every machine the waiting runs depend on is back: resume after a short settle (their queued reports arrive). */
  // Waiting for held attempts to finish is not needed: those still running are adopted.
  machineReturned(): void {
    if (this.resuming.size === 0) return;
    const needed = new Set<string>([...this.lastConnected, ...this.heldAttempts.values()]);
    for (const { tasks } of this.resuming.values()) {
      for (const task of tasks) if (task.state === "succeeded" && task.resultMachine !== null) needed.add(task.resultMachine);
    }
    for (const name of needed) if (this.options.machines.get(name)?.link === undefined) return;
    this.options.timers.clear(this.settleTimer);
    this.settleTimer = this.options.timers.set(Math.min(SETTLE_MS, this.options.resumeGraceMs), () => this.resume("their machines are back"));
  }

  private resume(why: string): void {
    if (this.isClosed || this.resuming.size === 0) return;
    const { timers, machines, clock } = this.options;
    timers.clear(this.graceTimer);
    timers.clear(this.settleTimer);
    this.graceTimer = this.settleTimer = undefined;
    const plan = planResume({
      runs: [...this.resuming.values()],
      held: this.heldAttempts,
      reports: this.heldReports,
      stillRunning: this.heldRunning,
      isConnected: (name) => machines.get(name)?.link !== undefined,
      storeIdOf: (name) => machines.get(name)?.storeId ?? null,
      now: clock.now(),
    });
    this.resuming = new Map();
    this.heldAttempts = new Map();
    this.heldReports = new Map();
    this.heldRunning = new Map();
    this.lastConnected = new Set();
    this.carryOut(plan, why);
  }

  private carryOut(plan: ResumePlan, why: string): void {
    const { loop, results, writer, machines, log } = this.options;
    const epoch = this.options.epoch?.();
    for (const { machine, attemptId } of plan.aborts) machines.get(machine)?.link?.send("task:abort", { v: 1, attemptId, reason: "cancelled", ...(epoch === undefined ? {} : { epoch }) });
    for (const run of plan.runs) {
      for (const write of run.writes) writer.attempt(write);
      for (const attempt of run.adoptedAttempts) loop.adopt(attempt);
      for (const { taskId, ref } of run.results) results.register(run.runId, taskId, ref);
      for (const change of run.changes) loop.taskChanged(change);
      log.info("resuming run", { runId: run.runId, why, succeeded: run.succeeded, adopted: run.adopted });
      loop.dispatch(run.event);
      const reason = this.cancelAfterResume.get(run.runId);
      this.cancelAfterResume.delete(run.runId);
      if (reason !== undefined) this.options.cancel(run.runId, reason);
    }
    // Results held by machines that did not come back are lost: the core recomputes those still needed.
    for (const event of plan.events) loop.dispatch(event);
    loop.scheduleFlush();
    if (plan.unreadable.length === 0) return;
    for (const runId of plan.unreadable) log.error("cannot resume a run: its stored DAG is unreadable", { runId });
    const fence = this.options.fence ?? unfenced;
    void fence((epoch) => this.options.db.runs.markInterrupted(new Date(this.options.clock.now()), plan.unreadable, epoch)).catch((error: unknown) => {
      log.error("database write failed", { error: error instanceof Error ? error.message : String(error) });
    });
  }
}
