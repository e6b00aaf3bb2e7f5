import { DagFile, producerOf, toDagSpec } from "@handoff/protocol";
import type { Database } from "@handoff/db";
import type { RunOptions } from "@handoff/core";
import { RunRejectedError, type Engine } from "./engine.ts";

export type RecomputeError =
  | { readonly kind: "not_found"; readonly message: string }
  | { readonly kind: "precondition_failed"; readonly message: string };

export type LineageFile = { readonly ok: true; readonly file: DagFile } | { readonly ok: false; readonly error: RecomputeError };

/**
 * The DAG file of one value's lineage: the task, every task upstream of it (inline ones included) and, for a
 * collocated task, the task it is collocated with (with that one's lineage), in the file's order.
 *
 * @example
 * lineageFile(file, "sink") // { ok: true, file: { ...file, tasks: [a, b, sink] } }
 */
export function lineageFile(file: DagFile, taskId: string): LineageFile {
  const byId = new Map(file.tasks.map((task) => [task.id, task]));
  const target = byId.get(taskId);
  if (!target) return { ok: false, error: { kind: "not_found", message: `the run's DAG has no task "${taskId}"` } };
  if (target.type === "inline") return { ok: false, error: { kind: "precondition_failed", message: `"${taskId}" is inline: it has no stored value to recompute` } };
  const keep = new Set<string>();
  const stack = [taskId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const task = byId.get(id);
    if (!task || keep.has(id)) continue;
    keep.add(id);
    for (const arg of task.args ?? []) {
      const source = producerOf(arg);
      if (source !== null) stack.push(source);
    }
    if (task.placement?.kind === "collocated") stack.push(task.placement.with);
  }
  return { ok: true, file: { ...file, tasks: file.tasks.filter((task) => keep.has(task.id)) } };
}

/**
 * Recomputes a value of a finished run from lineage: a new run of `lineageFile`, linked to the old one
 * (`parentRunId`, `reason: "recompute"`), with the old run's options. The old run's value is then served from
 * it (see `lookupResult`). Any finished run whose DAG was stored can be recomputed, not only referenced values.
 */
export async function recomputeLineage(
  context: { readonly engine: Engine; readonly db: Database },
  startedBy: string | null,
  runId: string,
  taskId: string,
): Promise<{ readonly ok: true; readonly runId: string } | { readonly ok: false; readonly error: RecomputeError }> {
  const found = await context.db.runs.get(runId);
  if (!found) return { ok: false, error: { kind: "not_found", message: `no run "${runId}"` } };
  if (context.engine.isActive(runId)) {
    return { ok: false, error: { kind: "precondition_failed", message: `run "${runId}" is still going: the scheduler recomputes its lost values itself` } };
  }
  const parsed = DagFile.safeParse(found.run.spec);
  if (!parsed.success) return { ok: false, error: { kind: "precondition_failed", message: `the DAG stored with run "${runId}" is unreadable` } };
  const lineage = lineageFile(parsed.data, taskId);
  if (!lineage.ok) return lineage;
  const options = (found.run.options ?? {}) as RunOptions;
  try {
    const started = await context.engine.submit({
      dag: toDagSpec(lineage.file),
      file: lineage.file,
      options,
      startedBy,
      dagId: found.run.dagId,
      dagVersion: found.run.dagVersion,
      dagName: found.run.dagName,
      parentRunId: runId,
      reason: "recompute",
    });
    return { ok: true, runId: started };
  } catch (error) {
    if (error instanceof RunRejectedError) return { ok: false, error: { kind: "precondition_failed", message: `the lineage cannot run now: ${error.message}` } };
    throw error;
  }
}
