import { producerOf, toTaskSpec, type DagFile, type TaskJson } from "@handoff/protocol";
import type { TaskRecord } from "@handoff/db";
import type { ResultRef } from "./result-ref.ts";

/** Which tasks a re-run runs: every task that did not succeed, or the chosen ones (each with everything downstream). */
export type RerunFrom = "failed" | readonly string[];

/** Where a succeeded task's value can be read now, or why it cannot (lost, evicted, holder offline). */
export type HeldResult = { readonly ok: true; readonly ref: ResultRef } | { readonly ok: false; readonly reason: string };

export interface RerunPlanInput {
  /** The old run's id: a value it produced is kept under it (unless it reused it itself). */
  readonly runId: string;
  /** The DAG the old run ran. */
  readonly oldFile: DagFile;
  /** The DAG the new run runs (the same file today; a changed task is not reused). */
  readonly newFile: DagFile;
  /** The old run's task rows. */
  readonly rows: readonly TaskRecord[];
  readonly from: RerunFrom;
  /** The old run's succeeded results, where they can be read now. */
  readonly held: ReadonlyMap<string, HeldResult>;
  /** The code hashes the online machines offer for a function now. */
  readonly codeHashesOf: (fn: string) => readonly string[];
}

/** A result the new run takes over: kept where it is, under the run that produced it (`ref.heldUnder`). */
export interface ReusedResult {
  readonly taskId: string;
  readonly ref: ResultRef & { readonly heldUnder: string };
}

export type RerunPlanError =
  | { readonly kind: "not_found"; readonly message: string }
  | { readonly kind: "invalid_request"; readonly message: string }
  | { readonly kind: "precondition_failed"; readonly message: string };

export type RerunPlan =
  | {
      readonly ok: true;
      readonly reuse: readonly ReusedResult[];
      /** The tasks the new run runs (inline ones apart), in the file's order. */
      readonly run: readonly string[];
      /** Succeeded tasks of the old run that run again, and why (not chosen tasks or their dependents). */
      readonly notReused: readonly { readonly taskId: string; readonly reason: string }[];
    }
  | { readonly ok: false; readonly error: RerunPlanError };

/** Marks a result that is unchanged but no longer held: its task runs again, its consumers do not. */
const GONE = "gone";


/** The task as it runs (no canvas position or label), with its keys sorted, so two equal specs compare equal. */
function specKey(task: TaskJson): string {
  return JSON.stringify(toTaskSpec(task), (_key, value: unknown) =>
    value !== null && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value,
  );
}

/**
 * Plans a re-run from failure: the new run reuses every succeeded result of the old run that is still held,
 * whose task's spec and function code hash are unchanged, and that is upstream of nothing it runs again; it runs
 * the rest — the tasks that did not succeed (or the chosen ones), any task whose result cannot be reused, and
 * everything downstream of them. A result lost or evicted meanwhile is thus recomputed from its lineage inside
 * the new run. Pure: the caller looks the results up and submits the run.
 * @example
 * planRerun({ runId, oldFile, newFile: oldFile, rows, from: "failed", held, codeHashesOf })
 * // { ok: true, reuse: [{ taskId: "a", ref }], run: ["b", "c"], notReused: [] }
 */
export function planRerun(input: RerunPlanInput): RerunPlan {
  const oldById = new Map(input.oldFile.tasks.map((task) => [task.id, task]));
  const newById = new Map(input.newFile.tasks.map((task) => [task.id, task]));
  const rowById = new Map(input.rows.map((row) => [row.taskId, row]));
  const chosen = chosenTasks(input, newById);
  if (!chosen.ok) return chosen;

  // A task is dirty when its value would differ (chosen, did not succeed, changed, or an input is dirty): it and
  // everything downstream runs. A task whose value is merely gone runs too, but its consumers keep their results.
  const verdicts = new Map<string, ReusedResult | string>();
  const dirty = new Map<string, boolean>();
  const isDirty = (id: string): boolean => {
    const known = dirty.get(id);
    if (known !== undefined) return known;
    dirty.set(id, false); // the DAG is acyclic (checked before): this only stops a malformed file from looping
    const task = newById.get(id);
    let result = task === undefined || (task.args ?? []).some((arg) => {
      // A run's file is bound (its params are inline tasks by then): a `{ param }` input has no producer here.
      const producer = producerOf(arg);
      return producer !== null && isDirty(producer);
    });
    if (task !== undefined && task.type === "inline") result ||= oldById.get(id) === undefined || specKey(oldById.get(id)!) !== specKey(task);
    else if (task !== undefined && !result) {
      if (chosen.ids.has(id)) result = true;
      else {
        const verdict = reusableResult(input, task, oldById.get(id), rowById.get(id));
        verdicts.set(id, verdict);
        result = typeof verdict === "string" && verdict !== GONE;
      }
    }
    dirty.set(id, result);
    return result;
  };
  const run: string[] = [];
  const reuse: ReusedResult[] = [];
  const notReused: { taskId: string; reason: string }[] = [];
  for (const task of input.newFile.tasks) {
    if (task.type === "inline") continue;
    const isTaskDirty = isDirty(task.id);
    const verdict = verdicts.get(task.id);
    if (!isTaskDirty && verdict !== undefined && typeof verdict !== "string") {
      reuse.push(verdict);
      continue;
    }
    run.push(task.id);
    if (rowById.get(task.id)?.state === "succeeded" && !chosen.ids.has(task.id)) notReused.push({ taskId: task.id, reason: reasonOf(input, task, verdict) });
  }
  if (run.length === 0) {
    return { ok: false, error: { kind: "precondition_failed", message: `every task of run "${input.runId}" succeeded and its results are still held: there is nothing to re-run (name tasks with from: [taskIds], or re-run it whole)` } };
  }
  return { ok: true, reuse, run, notReused };
}

function reasonOf(input: RerunPlanInput, task: TaskJson, verdict: ReusedResult | string | undefined): string {
  if (verdict === GONE) {
    const held = input.held.get(task.id);
    return held !== undefined && !held.ok ? held.reason : "its result is not held";
  }
  return typeof verdict === "string" ? verdict : "an input runs again";
}

function chosenTasks(input: RerunPlanInput, newById: ReadonlyMap<string, TaskJson>): { ok: true; ids: ReadonlySet<string> } | { ok: false; error: RerunPlanError } {
  if (input.from === "failed") {
    const ids = new Set(input.newFile.tasks.filter((task) => task.type !== "inline" && input.rows.find((row) => row.taskId === task.id)?.state !== "succeeded").map((task) => task.id));
    return { ok: true, ids };
  }
  const unknown = input.from.filter((id) => !newById.has(id));
  if (unknown.length > 0) {
    return { ok: false, error: { kind: "not_found", message: `run "${input.runId}" has no task ${unknown.map((id) => JSON.stringify(id)).join(", ")}` } };
  }
  const inline = input.from.filter((id) => newById.get(id)?.type === "inline");
  if (inline.length > 0) {
    return { ok: false, error: { kind: "invalid_request", message: `${inline.map((id) => JSON.stringify(id)).join(", ")} ${inline.length === 1 ? "is an inline task" : "are inline tasks"}: it runs inside its consumers, re-run those instead` } };
  }
  return { ok: true, ids: new Set(input.from) };
}

/** The reused result, `GONE`, or why the task's old result cannot stand in for a new one. */
function reusableResult(input: RerunPlanInput, task: TaskJson, old: TaskJson | undefined, row: TaskRecord | undefined): ReusedResult | string {
  if (row?.state !== "succeeded" || old === undefined) return "it did not succeed";
  if (specKey(old) !== specKey(task)) return "its task changed";
  if (row.codeHash === null) return "its function's code hash was not recorded";
  const changed = input.codeHashesOf(task.fn).find((hash) => hash !== row.codeHash);
  if (changed !== undefined) return `its function's code changed (${row.codeHash.slice(0, 12)} → ${changed.slice(0, 12)})`;
  const held = input.held.get(task.id);
  if (held === undefined || !held.ok) return GONE;
  return { taskId: task.id, ref: { ...held.ref, codeHash: row.codeHash, heldUnder: held.ref.heldUnder ?? row.reusedFrom ?? input.runId } };
}
