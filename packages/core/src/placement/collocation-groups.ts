import type { Placement, TaskId } from "../dag/model.ts";

/** What grouping needs of a ready task (`allocate`'s `AllocTask` is one). */
export interface GroupedTask {
  readonly id: TaskId;
  readonly placement: Placement;
  /** Functions this task needs on its machine. */
  readonly functions?: readonly string[];
}

/** A task placed on its own (the root) and the ready tasks collocated with it, placed where it goes. */
export interface Group<T extends GroupedTask> {
  readonly root: T;
  readonly members: T[];
}

type RootResult = { readonly root: TaskId } | { readonly problem: string };

/**
 * The ready tasks as placement units: each `collocated` task joins the group of the task its chain ends at.
 * @returns the groups in the order their first task comes, and the tasks that cannot be placed with why (a chain
 *   that ends at a task not in the batch, or loops)
 */
export function collocationGroups<T extends GroupedTask>(readyTasks: readonly T[]): { readonly groups: Group<T>[]; readonly problems: Map<TaskId, string> } {
  const byId = new Map<TaskId, T>();
  for (const task of readyTasks) if (!byId.has(task.id)) byId.set(task.id, task);
  const rootOf = resolveRoots(readyTasks, byId);
  const groups = new Map<TaskId, Group<T>>();
  const problems = new Map<TaskId, string>();
  for (const task of readyTasks) {
    const result = rootOf.get(task.id);
    if (result === undefined) continue;
    if ("problem" in result) {
      problems.set(task.id, result.problem);
      continue;
    }
    let group = groups.get(result.root);
    if (group === undefined) {
      group = { root: byId.get(result.root)!, members: [] };
      groups.set(result.root, group);
    }
    if (task.id !== result.root) group.members.push(task);
  }
  return { groups: [...groups.values()], problems };
}

function resolveRoots(tasks: readonly GroupedTask[], byId: ReadonlyMap<TaskId, GroupedTask>): Map<TaskId, RootResult> {
  const rootOf = new Map<TaskId, RootResult>();
  for (const task of tasks) {
    if (rootOf.has(task.id)) continue;
    // The first task with an id is the one `byId` holds, so a task placed on its own is its own root.
    if (task.placement.kind !== "collocated") {
      rootOf.set(task.id, { root: task.id });
      continue;
    }
    const path: TaskId[] = [];
    const onPath = new Set<TaskId>();
    let current = task.id;
    let result: RootResult;
    for (;;) {
      const known = rootOf.get(current);
      if (known !== undefined) {
        result = known;
        break;
      }
      const currentTask = byId.get(current);
      if (currentTask === undefined) {
        result = { problem: `its collocation target "${current}" is not placed (pin members of placed groups instead)` };
        break;
      }
      if (currentTask.placement.kind !== "collocated") {
        result = { root: current };
        break;
      }
      if (onPath.has(current)) {
        result = { problem: `its collocation chain is cyclic (${[...path, current].join(" → ")})` };
        break;
      }
      onPath.add(current);
      path.push(current);
      current = currentTask.placement.with;
    }
    for (const id of path) rootOf.set(id, result);
    if (path.length === 0) rootOf.set(task.id, result);
  }
  return rootOf;
}

/** Every function the group's tasks need on its machine. */
export function groupFunctions(group: Group<GroupedTask>): Set<string> {
  const functions = new Set<string>();
  for (const fn of group.root.functions ?? []) functions.add(fn);
  for (const task of group.members) for (const fn of task.functions ?? []) functions.add(fn);
  return functions;
}

/** How a waiting reason names the group: its root, and its size when others are collocated with it. */
export function describeTask(group: Group<GroupedTask>): string {
  return group.members.length === 0
    ? `task "${group.root.id}"`
    : `task "${group.root.id}" with its collocation group of ${group.members.length + 1} tasks`;
}
