import { TaskState } from "../dag/model.ts";
import type { TaskError } from "../errors.ts";
import type { CompiledTask } from "./compile-dag.ts";
import type { RunId, SchedulerCommand, TaskChange } from "./messages.ts";
import type { RunState } from "./scheduler-state.ts";

export function maxAttempts(run: RunState, task: CompiledTask): number {
  return (task.spec.maxRetries ?? run.options.maxRetries) + 1;
}

export function emitChange(
  run: RunState,
  index: number,
  now: number,
  out: SchedulerCommand[],
  extra?: { error?: TaskError; result?: unknown; retryAt?: number },
): void {
  if (!run.isWatched) return;
  const task = run.tasks[index]!;
  const compiled = run.compiled.tasks[index]!;
  // Optional fields assigned one by one rather than spread in: this runs 3 times per task.
  const change: Mutable<TaskChange> = {
    runId: run.runId,
    taskId: compiled.id,
    state: task.state,
    at: now,
    attempts: task.attempts,
    maxAttempts: maxAttempts(run, compiled),
  };
  if (task.machine !== null) change.machine = task.machine;
  if (task.currentAttempt !== null) change.attemptId = task.currentAttempt;
  if (task.reason !== undefined) change.reason = task.reason;
  if (task.placement !== undefined && (task.state === TaskState.Running || task.state === TaskState.WaitingForResources)) change.placement = task.placement;
  if (extra !== undefined) {
    if ("error" in extra) change.error = extra.error;
    if ("result" in extra) change.result = extra.result;
    if (extra.retryAt !== undefined) change.retryAt = extra.retryAt;
  }
  out.push({ type: "task_changed", change });
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function groupClaimant(runId: RunId, rootId: string): string {
  return `${runId}|group:${rootId}`;
}

