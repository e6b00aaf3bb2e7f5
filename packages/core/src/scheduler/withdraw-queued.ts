import { TaskState, type MachineName } from "../dag/model.ts";
import { enqueue } from "./attempt-lifecycle.ts";
import type { SchedulerCommand } from "./messages.ts";
import { emitChange } from "./run-helpers.ts";
import type { SchedulerState } from "./scheduler-state.ts";

/**
 * The machine takes no new task (draining) or is gone (offline): its queued attempts are withdrawn (an abort goes
 * to the agent in case it started one already; its report is then fenced) and their tasks placed again — or, when an
 * input of theirs was lost meanwhile (its machine went offline, `remaining` > 0), left waiting for its recompute,
 * which enqueues them once it succeeds.
 */
export function withdrawQueued(state: SchedulerState, machine: MachineName, why: string, now: number, out: SchedulerCommand[]): void {
  const queue = state.ahead.get(machine);
  if (queue === undefined) return;
  state.ahead.delete(machine);
  for (const attemptId of queue) {
    const record = state.attempts.get(attemptId)!;
    const run = state.runs.get(record.runId)!;
    const task = run.tasks[record.task]!;
    state.attempts.delete(attemptId);
    state.ledger.release(attemptId);
    record.isQueued = false;
    out.push({ type: "abort_attempt", runId: run.runId, taskId: run.compiled.tasks[record.task]!.id, attemptId, machine, reason: "cancelled" });
    run.running -= 1;
    task.currentAttempt = null;
    const withdrawn = `withdrawn from "${machine}" before it started (${why})`;
    if (task.remaining > 0) {
      task.state = TaskState.WaitingForDependencies;
      task.reason = `${withdrawn}; waiting for its inputs to be recomputed`;
      task.placement = undefined;
      emitChange(run, record.task, now, out);
      continue;
    }
    task.state = TaskState.WaitingForResources;
    enqueue(run, record.task, now, out, `${withdrawn}; waiting for a free slot`);
  }
}
