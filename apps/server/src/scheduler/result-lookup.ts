import type { Database, TaskRecord } from "@handoff/db";
import type { ResultRef } from "./result-ref.ts";

export const resultKey = (runId: string, taskId: string): string => `${runId}\u0000${taskId}`;

export interface ResultLookupContext {
  /** The engine's live references (newer than the database while its writes are behind). */
  readonly results: ReadonlyMap<string, ResultRef>;
  readonly db: Database;
}

/** A stored task row as a reference, when it recorded a result. */
export function refFromRow(task: TaskRecord): ResultRef | undefined {
  if (!task.resultMachine) return undefined;
  return {
    machine: task.resultMachine,
    size: task.resultSize ?? 0,
    contentType: "application/json",
    preview: task.resultPreview ?? "",
    truncated: false,
    ...(task.resultStoreId === null ? {} : { storeId: task.resultStoreId }),
    ...(task.codeHash === null ? {} : { codeHash: task.codeHash }),
    ...(task.reusedFrom === null ? {} : { heldUnder: task.reusedFrom }),
    ...(task.lostAt === null ? {} : { lost: { at: task.lostAt.getTime(), machine: task.lostMachine ?? task.resultMachine } }),
  };
}

const isGone = (ref: ResultRef): boolean => ref.lost !== undefined || ref.evicted !== undefined;

/**
 * Where the value of (runId, taskId) can be read. A value lost or evicted is served from the newest run that
 * recomputed its lineage (`results.recompute`) once that run produced it (`heldUnder` names the run the holder
 * keeps it under); until then the reference says it is gone and, if one is going, which run recomputes it.
 */
export async function lookupResult(ctx: ResultLookupContext, runId: string, taskId: string): Promise<ResultRef | undefined> {
  let ref = ctx.results.get(resultKey(runId, taskId));
  if (!ref) {
    const row = (await ctx.db.runs.get(runId))?.tasks.find((candidate) => candidate.taskId === taskId);
    ref = row ? refFromRow(row) : undefined;
  }
  if (!ref || !isGone(ref)) return ref;
  const recompute = await ctx.db.runs.findRecompute(runId, taskId);
  if (!recompute) return ref;
  const child = ctx.results.get(resultKey(recompute.run.id, taskId)) ?? (recompute.task.state === "succeeded" ? refFromRow(recompute.task) : undefined);
  if (child && !isGone(child)) return { ...child, heldUnder: recompute.run.id };
  return { ...ref, recomputedBy: recompute.run.id };
}
