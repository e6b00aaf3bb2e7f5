import type { TaskChange } from "@handoff/core";
import type { TaskChange as TaskRow } from "@handoff/db";
import type { ResultRef } from "./result-locations.ts";
import type { TaskChangeView } from "./run-events.ts";

const FINISHED = new Set(["succeeded", "failed", "cancelled", "upstream_failed"]);

/** The succeeded result a task change carries, when it does. */
export function succeededResult(change: TaskChange): ResultRef | undefined {
  return change.state === "succeeded" ? (change.result as ResultRef | undefined) : undefined;
}

/** The task's row update for a change of the core's. */
export function taskRowOf(change: TaskChange): TaskRow {
  const row: TaskRow = {
    runId: change.runId,
    taskId: change.taskId,
    state: change.state,
    reason: change.reason ?? null,
    attempts: change.attempts,
    ...(change.machine === undefined ? {} : { machine: change.machine }),
  };
  if (change.state === "running") row.startedAt = new Date(change.at);
  if (FINISHED.has(change.state)) row.finishedAt = new Date(change.at);
  if (change.error) {
    row.errorKind = change.error.kind;
    row.errorMessage = change.error.message;
  }
  const result = succeededResult(change);
  if (result) {
    row.resultMachine = result.machine;
    row.resultSize = result.size;
    row.resultPreview = result.preview;
    row.resultStoreId = result.storeId ?? null;
    row.codeHash = result.codeHash ?? null;
    row.reusedFrom = result.heldUnder ?? null;
    row.lostAt = null;
    row.lostMachine = null;
  }
  return row;
}

/** The change as watchers of the run see it. */
export function taskChangeView(change: TaskChange): TaskChangeView {
  const result = succeededResult(change);
  return {
    taskId: change.taskId,
    state: change.state,
    at: change.at,
    attempts: change.attempts,
    maxAttempts: change.maxAttempts,
    ...(change.machine === undefined ? {} : { machine: change.machine }),
    ...(change.reason === undefined ? {} : { reason: change.reason }),
    ...(change.retryAt === undefined ? {} : { retryAt: change.retryAt }),
    ...(change.error === undefined ? {} : { error: { kind: change.error.kind, message: change.error.message } }),
    ...(result ? { result } : {}),
    ...(change.placement === undefined ? {} : { placement: change.placement }),
  };
}
