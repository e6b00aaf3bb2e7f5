import type { TaskChange } from "@handoff/core";
import type { AttemptChange } from "@handoff/db";

export interface OpenAttempt {
  readonly runId: string;
  readonly taskId: string;
  readonly number: number;
  readonly machine: string;
  readonly startedAt: number;
}

export interface AttemptError {
  readonly kind: string;
  readonly message: string;
}

/** Closed attempts are kept this long so their late log lines still find their task. */
export const RECENT_ATTEMPT_MS = 60_000;

/** An attempt the book closed: its row, the machine it ran on, and how long since it was assigned. */
export interface ClosedAttempt {
  readonly attemptId: string;
  readonly machine: string;
  readonly row: AttemptChange;
  readonly assignedForMs: number | undefined;
}

/**
 * What the scheduler shell knows of each attempt beyond the core's state: attempts started and not yet closed in
 * the database, their reported metrics and errors, when they were assigned, and the recently closed ones.
 */
export class AttemptBook {
  private readonly openAttempts = new Map<string, OpenAttempt>();
  /**
   * The open attempts' ids by run, then task, in opening order: a task change closes its own attempts without walking
   * every open one (with hundreds of machines, every slot in the cluster, at each of a task's changes).
   */
  private readonly openByTask = new Map<string, Map<string, Set<string>>>();
  private readonly metrics = new Map<string, unknown>();
  private readonly errors = new Map<string, AttemptError>();
  private readonly recent = new Map<string, { runId: string; taskId: string; machine: string; closedAt: number }>();
  /**
   * `recent`'s ids in closing order, pruned from `recentHead`: iterating the map from its start to prune would step
   * over every entry deleted before (V8 keeps them as holes until it rehashes), O(closed attempts) per close.
   */
  private recentOrder: string[] = [];
  private recentHead = 0;
  private readonly assignedAt = new Map<string, number>();

  /** Attempts started and not yet closed, in opening order. */
  get open(): ReadonlyMap<string, OpenAttempt> {
    return this.openAttempts;
  }

  opened(attemptId: string, attempt: OpenAttempt): void {
    const previous = this.openAttempts.get(attemptId);
    this.openAttempts.set(attemptId, attempt);
    if (previous !== undefined && previous.runId === attempt.runId && previous.taskId === attempt.taskId) return;
    if (previous !== undefined) this.openIdsOf(previous.runId, previous.taskId)?.delete(attemptId);
    let tasks = this.openByTask.get(attempt.runId);
    if (tasks === undefined) this.openByTask.set(attempt.runId, (tasks = new Map<string, Set<string>>()));
    let ids = tasks.get(attempt.taskId);
    if (ids === undefined) tasks.set(attempt.taskId, (ids = new Set<string>()));
    ids.add(attemptId);
  }

  private openIdsOf(runId: string, taskId: string): Set<string> | undefined {
    return this.openByTask.get(runId)?.get(taskId);
  }

  assigned(attemptId: string, now: number): void {
    this.assignedAt.set(attemptId, now);
  }

  assignedTime(attemptId: string): number | undefined {
    return this.assignedAt.get(attemptId);
  }

  reportedMetrics(attemptId: string, metrics: unknown): void {
    this.metrics.set(attemptId, metrics);
  }

  /** Why an attempt ended, as reported or observed (the core's task change does not always carry it). */
  failed(attemptId: string, error: AttemptError): void {
    this.errors.set(attemptId, error);
  }

  hasError(attemptId: string): boolean {
    return this.errors.has(attemptId);
  }

  /** The open or recently closed attempt `attemptId` (a closed one for a minute), for its log lines. */
  find(attemptId: string, now: number): { runId: string; taskId: string; machine: string } | undefined {
    const open = this.openAttempts.get(attemptId);
    if (open) return open;
    const recent = this.recent.get(attemptId);
    return recent && now - recent.closedAt < RECENT_ATTEMPT_MS ? recent : undefined;
  }

  /** Closes every open attempt of the change's task that it ends: a new attempt starting closes the older ones, never itself. */
  close(change: TaskChange, now: number): ClosedAttempt[] {
    const closed: ClosedAttempt[] = [];
    const ids = this.openIdsOf(change.runId, change.taskId);
    if (ids === undefined) return closed;
    for (const attemptId of ids) {
      const open = this.openAttempts.get(attemptId)!;
      if (change.state === "running" && (change.attemptId === undefined || change.attemptId === attemptId)) continue;
      ids.delete(attemptId);
      this.openAttempts.delete(attemptId);
      const metrics = this.metrics.get(attemptId);
      this.metrics.delete(attemptId);
      const started = this.assignedAt.get(attemptId);
      this.assignedAt.delete(attemptId);
      this.remember(attemptId, { runId: open.runId, taskId: open.taskId, machine: open.machine, closedAt: now });
      const error = this.errors.get(attemptId) ?? change.error;
      this.errors.delete(attemptId);
      const state =
        change.state === "succeeded" && error === undefined
          ? "succeeded"
          : error?.kind === "cancelled" || (error === undefined && change.state === "cancelled")
            ? "cancelled"
            : "failed";
      const row: AttemptChange = {
        id: attemptId,
        runId: open.runId,
        taskId: open.taskId,
        number: open.number,
        state,
        finishedAt: new Date(change.at),
        ...(error && state !== "succeeded" ? { errorKind: error.kind, errorMessage: error.message } : {}),
        ...(metrics === undefined ? {} : { metrics }),
      };
      closed.push({ attemptId, machine: open.machine, row, assignedForMs: started === undefined ? undefined : now - started });
    }
    if (ids.size === 0) {
      const tasks = this.openByTask.get(change.runId)!;
      tasks.delete(change.taskId);
      if (tasks.size === 0) this.openByTask.delete(change.runId);
    }
    return closed;
  }

  private remember(attemptId: string, recent: { runId: string; taskId: string; machine: string; closedAt: number }): void {
    while (this.recentHead < this.recentOrder.length) {
      const oldId = this.recentOrder[this.recentHead]!;
      const old = this.recent.get(oldId);
      if (old !== undefined && recent.closedAt - old.closedAt < RECENT_ATTEMPT_MS) break; // closing order: the rest are newer
      this.recent.delete(oldId);
      this.recentHead += 1;
    }
    if (this.recentHead > 1024 && this.recentHead * 2 > this.recentOrder.length) {
      this.recentOrder = this.recentOrder.slice(this.recentHead);
      this.recentHead = 0;
    }
    this.recent.delete(attemptId); // closed again: it moves to the end
    this.recent.set(attemptId, recent);
    this.recentOrder.push(attemptId);
  }
}
