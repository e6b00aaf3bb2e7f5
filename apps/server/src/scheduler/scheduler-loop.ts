import { attemptErrorKind, createSchedulerState, decide, waitsForProducer, type RunOutcome, type SchedulerCommand, type SchedulerEvent, type SchedulerState, type TaskChange } from "@handoff/core";
import type { ResultEvictedItem, TaskAssignItem, TaskFinishedItem, TaskLogItem } from "@handoff/protocol";
import type { Logger } from "../log.ts";
import { AttemptBook } from "./attempt-book.ts";
import type { Clock, TimerHandle, Timers } from "./clock.ts";
import type { LiveMachine } from "./live-machine.ts";
import type { MachineEvent } from "./machine-registry.ts";
import type { Metrics } from "./metrics.ts";
import type { AdoptedAttempt } from "./plan-resume.ts";
import { producerCodeHash } from "./producer-code-hash.ts";
import type { ResultLocations, ResultRef } from "./result-locations.ts";
import type { RunEvent, RunEvents } from "./run-events.ts";
import { resultRefBytes } from "./result-ref.ts";
import { isQueuedAtSubmission } from "./submitted-rows.ts";
import { succeededResult, taskChangeView, taskRowOf } from "./task-row.ts";
import { wireInputs, type GrantContext } from "./wire-input.ts";
import type { WriteBehind } from "./write-behind.ts";

/** The core keeps finished runs for lookups; they are dropped after this long to bound memory. */
const FINISHED_RUN_KEPT_MS = 10 * 60_000;

export interface SchedulerLoopOptions {
  readonly log: Logger;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly metrics: Metrics;
  readonly machines: ReadonlyMap<string, LiveMachine>;
  readonly writer: WriteBehind;
  readonly runEvents: RunEvents;
  readonly results: ResultLocations;
  readonly grants: GrantContext;
  readonly localMachine?: string;
  readonly noMachineGraceMs: number;
  /** Replicas: the leader lease's epoch every assignment carries (agents refuse a lower one than they have seen). */
  readonly epoch?: () => number | undefined;
}

/**
 * The scheduler loop: feeds events to the core's `decide` and carries out its commands — assignments sent once
 * per tick (one message per machine), task and attempt rows queued for the write-behind, changes published
 * (one batch per run and tick).
 */
export class SchedulerLoop {
  readonly state: SchedulerState;
  readonly attempts = new AttemptBook();
  private readonly outcomes = new Map<string, RunOutcome>();
  private readonly waiters = new Map<string, ((outcome: RunOutcome) => void)[]>();
  private pendingAssigns = new Map<string, TaskAssignItem[]>();
  private isFlushScheduled = false;
  private timer: TimerHandle | undefined;
  private isClosed = false;
  /** The run being submitted whose ready tasks' rows were inserted queued (see `submit`). */
  private readyInsertedRun: string | undefined;

  constructor(private readonly options: SchedulerLoopOptions) {
    this.state = createSchedulerState({
      ...(options.localMachine === undefined ? {} : { localMachine: options.localMachine }),
      noMachineGraceMs: options.noMachineGraceMs,
      resultBytes: resultRefBytes,
    });
  }

  close(): void {
    this.isClosed = true;
    this.options.timers.clear(this.timer);
  }

  dispatch(event: SchedulerEvent): void {
    if (this.isClosed) return;
    const { commands } = decide(this.state, event);
    this.execute(commands);
  }

  /**
   * Hands a new run to the core. `isReadyInserted`: its ready tasks' rows were inserted queued (`submittedRows`), so
   * the change that queues them now is published but not written again.
   */
  submit(event: Extract<SchedulerEvent, { type: "run_submitted" }>, isReadyInserted: boolean): void {
    this.readyInsertedRun = isReadyInserted ? event.runId : undefined;
    try {
      this.dispatch(event);
    } finally {
      this.readyInsertedRun = undefined;
    }
  }

  /** What the machine registry said, as scheduler events. */
  onMachineEvent(event: MachineEvent): void {
    const now = this.options.clock.now();
    switch (event.type) {
      case "machine_announced": {
        const { machine } = event;
        const functions = machine.functions.map((fn) => fn.name);
        const ahead = machine.aheadDepth > 0 ? { aheadDepth: machine.aheadDepth, ...(machine.preAssign ? { preAssign: true } : {}) } : {};
        this.dispatch({ type: "machine_joined", now, machine: { name: machine.name, capacity: machine.capacity, functions, status: machine.status, ...ahead } });
        break;
      }
      case "machine_status_changed":
        this.dispatch({ type: "machine_status_changed", now, name: event.name, status: event.status });
        break;
      case "machine_went_offline":
        for (const attemptId of event.lostAttempts) {
          this.recordLost(attemptId, `machine "${event.name}" went offline during the attempt (${event.reason})`);
        }
        this.dispatch({ type: "machine_status_changed", now, name: event.name, status: "offline" });
        break;
    }
  }

  /** A machine's previous agent process is gone (it came back with a new result store): its attempts are lost. */
  previousProcessLost(machine: LiveMachine): void {
    for (const attemptId of machine.running) this.recordLost(attemptId, `machine "${machine.name}" restarted during the attempt`);
    machine.running.clear();
    if (this.state.machines.get(machine.name)?.status !== "offline") {
      this.dispatch({ type: "machine_status_changed", now: this.options.clock.now(), name: machine.name, status: "offline" });
    }
  }

  private execute(commands: readonly SchedulerCommand[]): void {
    for (const command of commands) {
      switch (command.type) {
        case "assign_task":
          this.assign(command);
          break;
        case "abort_attempt":
          this.abort(command);
          break;
        case "task_changed":
          this.taskChanged(command.change);
          break;
        case "run_finished":
          this.runFinished(command.outcome);
          break;
        case "set_timer":
          this.setTimer(command.at);
          break;
        case "report_ignored":
          this.options.log.debug("report ignored", { attemptId: command.attemptId, reason: command.reason });
          break;
      }
    }
    this.scheduleFlush();
  }

  private setTimer(at: number): void {
    const { clock, timers } = this.options;
    timers.clear(this.timer);
    this.timer = timers.set(Math.max(0, at - clock.now()), () => {
      this.timer = undefined;
      this.dispatch({ type: "tick", now: clock.now() });
    });
  }

  /** Replicas: the leader lease's epoch every message to agents carries (they ignore a lower one than they have seen). */
  private epochField(): { epoch?: number } {
    const epoch = this.options.epoch?.();
    return epoch === undefined ? {} : { epoch };
  }

  private abort(command: Extract<SchedulerCommand, { type: "abort_attempt" }>): void {
    const machine = this.options.machines.get(command.machine);
    machine?.running.delete(command.attemptId);
    if (!this.attempts.hasError(command.attemptId)) {
      this.attempts.failed(command.attemptId, {
        kind: command.reason,
        message: command.reason === "timeout" ? "the attempt ran past its timeout" : "the attempt was cancelled",
      });
    }
    machine?.link?.send("task:abort", { v: 1, attemptId: command.attemptId, reason: command.reason, ...this.epochField() });
  }

  private assign(command: Extract<SchedulerCommand, { type: "assign_task" }>): void {
    const machine = this.options.machines.get(command.machine);
    const now = this.options.clock.now();
    this.attempts.opened(command.attemptId, { runId: command.runId, taskId: command.taskId, number: command.attempt, machine: command.machine, startedAt: now });
    this.options.writer.attempt({
      id: command.attemptId,
      runId: command.runId,
      taskId: command.taskId,
      number: command.attempt,
      state: "running",
      machine: command.machine,
      startedAt: new Date(now),
      ...(command.placement === undefined ? {} : { placement: command.placement }),
    });
    if (!machine?.link) return; // the machine just went away: the status change fails the attempt
    machine.running.add(command.attemptId);
    this.attempts.assigned(command.attemptId, now);
    const item: TaskAssignItem = {
      attemptId: command.attemptId,
      runId: command.runId,
      taskId: command.taskId,
      attempt: command.attempt,
      fn: command.fn,
      ...wireInputs(this.options.grants, command.runId, command.inputs, command.machine, (taskId) => this.options.results.heldUnder(command.runId, taskId)),
      extraArgs: [...command.extraArgs],
      argumentInclusion: command.argumentInclusion,
      ...(command.timeoutMs === undefined ? {} : { timeoutMs: command.timeoutMs }),
      ...(command.slots === 1 ? {} : { slots: command.slots }),
    };
    const list = this.pendingAssigns.get(command.machine) ?? [];
    list.push(item);
    this.pendingAssigns.set(command.machine, list);
  }

  /** Writes, records and publishes a task's change (also used for tasks adopted when a run resumes). */
  taskChanged(change: TaskChange): void {
    const result = succeededResult(change);
    if (result) this.options.results.register(change.runId, change.taskId, result);
    if (change.runId !== this.readyInsertedRun || !isQueuedAtSubmission(change)) this.options.writer.task(taskRowOf(change));
    this.closeAttempts(change);
    this.options.metrics.taskChanged(change.state);
    this.options.runEvents.publish(change.runId, { type: "task", change: taskChangeView(change) } satisfies RunEvent);
    this.scheduleFlush();
  }

  /** Writes the end of every open attempt of this task: the task left `running`. */
  private closeAttempts(change: TaskChange): void {
    for (const closed of this.attempts.close(change, this.options.clock.now())) {
      this.options.machines.get(closed.machine)?.running.delete(closed.attemptId);
      if (closed.assignedForMs !== undefined) this.options.metrics.observeAttempt(closed.assignedForMs / 1000);
      this.options.writer.attempt(closed.row);
    }
  }

  private runFinished(outcome: RunOutcome): void {
    const { clock, metrics, writer, timers } = this.options;
    this.outcomes.set(outcome.runId, outcome);
    metrics.runFinished(outcome.status);
    const finishedAt = new Date(clock.now());
    writer.run({ runId: outcome.runId, status: outcome.status, finishedAt, outcome });
    for (const [attemptId, open] of this.attempts.open) {
      if (open.runId === outcome.runId) this.closeAttempts({ runId: open.runId, taskId: open.taskId, state: "cancelled", at: clock.now(), attempts: open.number, maxAttempts: open.number, attemptId });
    }
    this.options.runEvents.publish(outcome.runId, { type: "finished", outcome, finishedAt: finishedAt.toISOString() } satisfies RunEvent);
    // Agents keep a run's values pinned while it runs; now they may age out.
    const epoch = this.epochField();
    for (const machine of this.options.machines.values()) machine.link?.send("run:ended", { v: 1, runId: outcome.runId, ...epoch });
    const waiting = this.waiters.get(outcome.runId);
    this.waiters.delete(outcome.runId);
    for (const resolve of waiting ?? []) resolve(outcome);
    timers.set(FINISHED_RUN_KEPT_MS, () => {
      this.outcomes.delete(outcome.runId);
      this.state.runs.delete(outcome.runId);
    });
  }

  /** An attempt still running on a machine that came back after a restart: tracked as if assigned now. */
  adopt(attempt: AdoptedAttempt): void {
    const { attemptId, ...open } = attempt;
    this.attempts.opened(attemptId, open);
    this.options.machines.get(attempt.machine)?.running.add(attemptId);
  }

  // ---- agent reports --------------------------------------------------------------------------

  finished(machine: LiveMachine, item: TaskFinishedItem): void {
    const now = this.options.clock.now();
    machine.running.delete(item.attemptId);
    if (item.metrics) this.attempts.reportedMetrics(item.attemptId, item.metrics);
    if (item.ok) {
      const codeHash = producerCodeHash(this.state, machine, item.attemptId);
      const ref: ResultRef = { machine: machine.name, ...item.result, ...(machine.storeId === null ? {} : { storeId: machine.storeId }), ...(codeHash === undefined ? {} : { codeHash }) };
      this.dispatch({ type: "attempt_succeeded", now, attemptId: item.attemptId, machine: machine.name, result: ref });
      return;
    }
    this.attempts.failed(item.attemptId, item.error);
    this.dispatch({ type: "attempt_failed", now, attemptId: item.attemptId, machine: machine.name, error: { kind: attemptErrorKind(item.error.kind), message: item.error.message } });
  }

  /**
   * Attempts this machine's agent neither runs nor holds a result of (their assignment or report was lost on the way):
   * lost — or withdrawn, those pre-assigned that still waited for a producer (they never started).
   */
  lost(machine: LiveMachine, attemptIds: readonly string[], message: string): void {
    const now = this.options.clock.now();
    // All recorded before any is dispatched: a producer's loss withdraws the attempts that wait for it.
    for (const attemptId of attemptIds) {
      machine.running.delete(attemptId);
      this.recordLost(attemptId, message);
    }
    for (const attemptId of attemptIds) {
      this.dispatch({ type: "attempt_failed", now, attemptId, machine: machine.name, error: { kind: attemptErrorKind("machine_lost"), message } });
    }
  }

  /**
   * Records why an attempt its machine lost ended — unless it was pre-assigned and still waiting for a producer: it
   * never started, and the core withdraws it (its abort records it cancelled, no `machine_lost`, no retry spent).
   */
  private recordLost(attemptId: string, message: string): void {
    if (!waitsForProducer(this.state, attemptId)) this.attempts.failed(attemptId, { kind: "machine_lost", message });
  }

  logs(machine: LiveMachine, items: readonly TaskLogItem[]): void {
    const now = this.options.clock.now();
    for (const item of items) {
      const open = this.attempts.find(item.attemptId, now);
      if (!open || open.machine !== machine.name) continue; // logs of fenced or unknown attempts are dropped
      const at = new Date(item.at);
      this.options.writer.log({ runId: open.runId, taskId: open.taskId, attemptId: item.attemptId, level: item.level, message: item.message, timestamp: at });
      this.options.runEvents.publish(open.runId, {
        type: "log",
        log: { id: null, taskId: open.taskId, attemptId: item.attemptId, level: item.level, message: item.message, at: at.toISOString() },
      } satisfies RunEvent);
    }
    this.scheduleFlush();
  }

  /** The holder dropped values: from now on they answer `evicted` at once, and the run's record says so. */
  resultsEvicted(machine: LiveMachine, items: readonly ResultEvictedItem[]): void {
    for (const item of items) {
      if (!this.options.results.markEvicted(item.runId, item.taskId, machine.name, item.reason)) continue; // a copy fetched as an input
      const message = `result evicted from "${machine.name}" (${item.reason === "retention" ? "retention time passed" : "disk budget full"})`;
      this.options.writer.task({ runId: item.runId, taskId: item.taskId, resultMachine: null, reason: message });
      this.options.writer.log({ runId: item.runId, taskId: item.taskId, attemptId: null, level: "warn", message, timestamp: new Date(this.options.clock.now()) });
    }
    this.scheduleFlush();
  }

  // ---- runs -----------------------------------------------------------------------------------

  isFinished(runId: string): boolean {
    return this.outcomes.has(runId);
  }

  isKnown(runId: string): boolean {
    return this.state.runs.has(runId);
  }

  /** The run's outcome once it has finished (undefined for a run this loop does not know). */
  outcome(runId: string, isResuming: boolean): Promise<RunOutcome> | undefined {
    const known = this.outcomes.get(runId);
    if (known) return Promise.resolve(known);
    if (!this.state.runs.has(runId) && !isResuming) return undefined;
    return new Promise<RunOutcome>((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  // ---- the tick's end -------------------------------------------------------------------------

  scheduleFlush(): void {
    if (this.isFlushScheduled) return;
    this.isFlushScheduled = true;
    this.options.timers.soon(() => this.flush());
  }

  /**
   * Sends the tick's assignments (one message per machine), publishes the tick's run events (one batch per run),
   * then queues the tick's writes in one transaction.
   */
  flush(): void {
    this.isFlushScheduled = false;
    const assigns = this.pendingAssigns;
    this.pendingAssigns = new Map();
    const sentAt = this.options.clock.now();
    const { metrics } = this.options;
    const epoch = this.epochField();
    for (const [name, items] of assigns) {
      this.options.machines.get(name)?.link?.send("task:assign", { v: 1, items, ...epoch });
      metrics.assigned += items.length;
      for (const item of items) {
        const decidedAt = this.attempts.assignedTime(item.attemptId);
        if (decidedAt !== undefined) metrics.observeDispatch((sentAt - decidedAt) / 1000);
      }
    }
    this.options.runEvents.flush();
    this.options.writer.start();
  }
}

