import { TaskType, type TaskId, type TaskSpec } from "../dag/model.ts";

/**
 * The root of every collocated regular task: the task its `placement.with` chain ends at (the group is placed
 * where its root goes). Tasks absent from the map are their own root. Safe on unvalidated DAGs: a chain that
 * loops or names an unknown task ends at the last task it reached.
 * @example collocationRoots([{ id: "a", fn: "f" }, { id: "b", fn: "f", placement: { kind: "collocated", with: "a" } }]) // Map { "b" => "a" }
 */
export function collocationRoots(tasks: readonly TaskSpec[]): ReadonlyMap<TaskId, TaskId> {
  const rootOf = new Map<TaskId, TaskId>();
  // Most DAGs collocate nothing: no index to build.
  if (!tasks.some((task) => task.placement?.kind === "collocated")) return rootOf;
  const byId = new Map<TaskId, TaskSpec>();
  for (const task of tasks) if (!byId.has(task.id)) byId.set(task.id, task);
  for (const task of tasks) {
    if (task.type === TaskType.Inline || task.placement?.kind !== "collocated" || rootOf.has(task.id)) continue;
    const path: TaskId[] = [];
    const seen = new Set<TaskId>();
    let current: TaskSpec | undefined = task;
    let root: TaskId = task.id;
    while (current !== undefined) {
      const known = rootOf.get(current.id);
      if (known !== undefined) {
        root = known;
        break;
      }
      path.push(current.id);
      seen.add(current.id);
      const placement = current.placement;
      if (placement?.kind !== "collocated" || seen.has(placement.with) || !byId.has(placement.with)) {
        root = current.id;
        break;
      }
      current = byId.get(placement.with);
    }
    for (const id of path) rootOf.set(id, root);
  }
  return rootOf;
}
