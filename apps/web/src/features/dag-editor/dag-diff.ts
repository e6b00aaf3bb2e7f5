import type { DagFile, TaskJson } from "@handoff/protocol";

/** One field that differs between two versions, as JSON text (`undefined` when absent on that side). */
export interface FieldChange {
  readonly field: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

export interface DagDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Tasks present in both whose call, inputs, cost, placement… differ. */
  readonly changed: readonly { readonly taskId: string; readonly fields: readonly FieldChange[] }[];
  /** Tasks that only moved on the canvas. */
  readonly moved: readonly string[];
  /** The DAG's own fields (description, strategy, on failure…). */
  readonly dag: readonly FieldChange[];
}

const json = (value: unknown): string | undefined => (value === undefined ? undefined : JSON.stringify(value));

function fieldChanges(before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>, skip: ReadonlySet<string>): FieldChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((field) => !skip.has(field)).sort();
  return fields.flatMap((field) => {
    const was = json(before[field]);
    const is = json(after[field]);
    return was === is ? [] : [{ field, before: was, after: is }];
  });
}

const TASK_LAYOUT = new Set(["position"]);
const DAG_BODY = new Set(["tasks", "name", "format", "version"]);

/**
 * What changed from one version of a DAG to another: tasks added, removed, changed (field by field) or only
 * moved, and the DAG's own fields. Tasks are matched by id.
 * @example diffDags(v1, v2) // { added: ["resize"], removed: [], changed: [{ taskId: "sum", fields: [{ field: "fn", before: "\"std.sum\"", after: "\"std.multiply\"" }] }], moved: [], dag: [] }
 */
export function diffDags(before: DagFile, after: DagFile): DagDiff {
  const old = new Map<string, TaskJson>(before.tasks.map((task) => [task.id, task]));
  const next = new Map<string, TaskJson>(after.tasks.map((task) => [task.id, task]));
  const changed: { taskId: string; fields: FieldChange[] }[] = [];
  const moved: string[] = [];
  for (const [taskId, task] of next) {
    const was = old.get(taskId);
    if (was === undefined) continue;
    const fields = fieldChanges(was, task, TASK_LAYOUT);
    if (fields.length > 0) changed.push({ taskId, fields });
    else if (json(was.position) !== json(task.position)) moved.push(taskId);
  }
  return {
    added: after.tasks.filter((task) => !old.has(task.id)).map((task) => task.id),
    removed: before.tasks.filter((task) => !next.has(task.id)).map((task) => task.id),
    changed,
    moved,
    dag: fieldChanges(before, after, DAG_BODY),
  };
}

export function isSameDag(diff: DagDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length + diff.moved.length + diff.dag.length === 0;
}
