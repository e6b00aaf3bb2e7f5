import type { TaskError } from "../errors.ts";
import type { CompiledTask } from "./compile-dag.ts";
import type { RunId, SchedulerCommand } from "./messages.ts";
import type { RunState } from "./scheduler-state.ts";

export function maxAttempts(run: RunState, task: CompiledTask): number {
  return (task.spec.maxRetries ?? run.options.maxRetries) + 1;
}

export function emitChange(
  run: RunState,
  index: number,
  now: number,
  out: SchedulerCommand[],
  extra: { error?: TaskError; result?: unknown } = {},
): void {
  const task = run.tasks[index]!;
  const compiled = run.compiled.tasks[index]!;
  out.push({
    type: "task_changed",
    change: {
      runId: run.runId,
      taskId: compiled.id,
      state: task.state,
      at: now,
      attempts: task.attempts,
      maxAttempts: maxAttempts(run, compiled),
      ...(task.machine === null ? {} : { machine: task.machine }),
      ...(task.currentAttempt === null ? {} : { attemptId: task.currentAttempt }),
      ...(task.reason === undefined ? {} : { reason: task.reason }),
      ...extra,
    },
  });
}

export function groupClaimant(runId: RunId, rootId: string): string {
  return `${runId}|group:${rootId}`;
}

