import type { TaskExplanationView } from "@handoff/api";
import type { PlacementExplanation } from "@handoff/core";
import type { Database } from "@handoff/db";

/**
 * A task's explanation once the scheduler no longer holds its run: its stored state and reason, and the placement
 * recorded with its last attempt. No candidates (they describe the cluster now) and no dependency list.
 */
export async function storedExplanation(db: Database, runId: string, taskId: string): Promise<TaskExplanationView | undefined> {
  const found = await db.runs.get(runId);
  const task = found?.tasks.find((row) => row.taskId === taskId);
  if (task === undefined) return undefined;
  const attempts = await db.runs.listAttempts(runId, taskId);
  const placement = attempts.findLast((attempt) => attempt.placement !== null)?.placement as PlacementExplanation | undefined;
  return {
    taskId,
    state: task.state,
    ...(task.reason === null ? {} : { reason: task.reason }),
    dependencies: null,
    ...(placement === undefined ? {} : { placement }),
    live: false,
  };
}
