import { compileDag, isReadyAtSubmission, neededFunctions, READY_REASON, taskIndex, TaskState, type CompiledDag, type DagSpec, type TaskChange } from "@handoff/core";
import type { NewRun } from "@handoff/db";

/** A new run's task rows, and (a fresh run) the DAG compiled for the core and the tasks inserted already queued. */
export interface SubmittedRows {
  readonly tasks: NewRun["tasks"];
  readonly compiled?: CompiledDag;
  readonly readyIds: readonly string[];
}

/**
 * The rows a submitted run's tasks are inserted with. A fresh run (nothing reused) is compiled here (once: the core
 * takes it with the run) and its ready tasks are inserted as the core leaves them at submission — queued
 * (`waiting_for_resources`, `READY_REASON`) — so their rows are not updated right after the insert (issue #15: a wide
 * DAG's roots were ~¼ of its row writes). A run that reuses results starts from them: all rows wait for dependencies.
 */
export function submittedRows(dag: DagSpec, isFresh: boolean): SubmittedRows {
  if (!isFresh) return { tasks: dag.tasks.map((task) => ({ taskId: task.id, state: TaskState.WaitingForDependencies })), readyIds: [] };
  const compiled = compileDag(dag, neededFunctions(dag, taskIndex(dag)));
  const readyIds: string[] = [];
  const tasks = compiled.tasks.map((task): NewRun["tasks"][number] => {
    if (!isReadyAtSubmission(task)) return { taskId: task.id, state: TaskState.WaitingForDependencies };
    readyIds.push(task.id);
    return { taskId: task.id, state: TaskState.WaitingForResources, reason: READY_REASON };
  });
  return { tasks, compiled, readyIds };
}

/** The change that queues a ready task at submission: its row says so already when it was inserted by `submittedRows`. */
export function isQueuedAtSubmission(change: TaskChange): boolean {
  return change.state === TaskState.WaitingForResources && change.reason === READY_REASON && change.attempts === 0 && change.machine === undefined && change.error === undefined;
}
