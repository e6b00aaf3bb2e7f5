import { isParamArg, producerOf } from "@handoff/protocol";
import type { DagFile, TaskJson } from "@handoff/protocol";
import { describeCycle, findCyclePath } from "./find-cycle-path.ts";
import { argIndexOfHandle, type ArgJson, type EdgeTransformJson } from "./flow-types.ts";

/** An edit that may be refused: the new file, or a sentence saying why not. */
export type EditResult = { ok: true; file: DagFile } | { ok: false; message: string };

type Position = { x: number; y: number };

function mapTask(file: DagFile, taskId: string, change: (task: TaskJson) => TaskJson): DagFile {
  return { ...file, tasks: file.tasks.map((task) => (task.id === taskId ? change(task) : task)) };
}

function withArgs(task: TaskJson, args: ArgJson[]): TaskJson {
  const { args: _old, ...rest } = task;
  return args.length === 0 ? rest : { ...rest, args };
}

/** A task id not used in `taken`: `stem`, then `stem_2`, `stem_3`… */
export function uniqueTaskId(stem: string, taken: ReadonlySet<string>): string {
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) {
    const candidate = `${stem}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Adds a task calling `fn` at `position`, with the function's default cost; returns its new id. */
export function addTask(file: DagFile, fn: string, position: Position, defaultCost?: Record<string, number>): { file: DagFile; taskId: string } {
  const taskId = uniqueTaskId(fn.slice(fn.lastIndexOf(".") + 1) || "task", new Set(file.tasks.map((task) => task.id)));
  const task: TaskJson = { id: taskId, fn, position: { x: Math.round(position.x), y: Math.round(position.y) } };
  if (defaultCost !== undefined && Object.keys(defaultCost).length > 0) task.cost = { ...defaultCost };
  return { file: { ...file, tasks: [...file.tasks, task] }, taskId };
}

/**
 * Makes `target` consume `source`: into the argument port `targetHandle` (`in-2` replaces argument 2) or as
 * a new last argument (`in-new`, the `as_list` port). Refused with a message when the tasks do not exist or
 * the connection would close a cycle.
 */
export function connectArg(file: DagFile, source: string, target: string, targetHandle: string | null | undefined): EditResult {
  const ids = new Set(file.tasks.map((task) => task.id));
  if (!ids.has(source)) return { ok: false, message: `there is no task "${source}"` };
  if (!ids.has(target)) return { ok: false, message: `there is no task "${target}"` };
  const cycle = findCyclePath(file.tasks, source, target);
  if (cycle !== null) return { ok: false, message: describeCycle(cycle) };
  const index = argIndexOfHandle(targetHandle);
  return {
    ok: true,
    file: mapTask(file, target, (task) => {
      const args = [...(task.args ?? [])];
      if (index !== null && index < args.length) args[index] = source;
      else args.push(source);
      return withArgs(task, args);
    }),
  };
}

/** Removes argument `index` of `taskId` (the later arguments move up one position). */
export function removeArg(file: DagFile, taskId: string, index: number): DagFile {
  return mapTask(file, taskId, (task) => withArgs(task, (task.args ?? []).filter((_, i) => i !== index)));
}

/** Moves argument `from` of `taskId` to position `to`: the order of the call's arguments. */
export function moveArg(file: DagFile, taskId: string, from: number, to: number): DagFile {
  return mapTask(file, taskId, (task) => {
    const args = [...(task.args ?? [])];
    if (from < 0 || from >= args.length || to < 0 || to >= args.length || from === to) return task;
    const [moved] = args.splice(from, 1);
    args.splice(to, 0, moved!);
    return withArgs(task, args);
  });
}

/** Sets (or clears, with `undefined`) the producer-side `encode` or consumer-side `decode` of one argument. */
export function setEdgeTransform(file: DagFile, taskId: string, index: number, side: "encode" | "decode", transform: EdgeTransformJson | undefined): DagFile {
  return mapTask(file, taskId, (task) => {
    const args = [...(task.args ?? [])];
    const arg = args[index];
    if (arg === undefined || isParamArg(arg)) return task;
    const edge = typeof arg === "string" ? { from: arg } : { ...arg };
    if (transform === undefined) delete edge[side];
    else edge[side] = transform;
    args[index] = edge.encode === undefined && edge.decode === undefined ? edge.from : edge;
    return withArgs(task, args);
  });
}

/**
 * Deletes tasks and the edges into them: consumers lose those arguments, tasks collocated with a deleted
 * task fall back to automatic placement.
 */
export function removeTasks(file: DagFile, taskIds: ReadonlySet<string>): DagFile {
  if (taskIds.size === 0) return file;
  const tasks = file.tasks
    .filter((task) => !taskIds.has(task.id))
    .map((task) => {
      let next = task;
      if (task.args?.some((arg) => taskIds.has(producerOf(arg) ?? ""))) next = withArgs(task, task.args.filter((arg) => !taskIds.has(producerOf(arg) ?? "")));
      if (next.placement?.kind === "collocated" && taskIds.has(next.placement.with)) next = { ...next, placement: { kind: "auto" } };
      return next;
    });
  return { ...file, tasks };
}

/** Removes the given edges, each named by its consumer and argument position. */
export function removeEdges(file: DagFile, edges: readonly { target: string; index: number }[]): DagFile {
  const byTarget = new Map<string, Set<number>>();
  for (const edge of edges) {
    const set = byTarget.get(edge.target) ?? new Set<number>();
    set.add(edge.index);
    byTarget.set(edge.target, set);
  }
  return {
    ...file,
    tasks: file.tasks.map((task) => {
      const drop = byTarget.get(task.id);
      return drop === undefined ? task : withArgs(task, (task.args ?? []).filter((_, i) => !drop.has(i)));
    }),
  };
}

/** Moves tasks on the canvas (positions rounded to whole pixels, so saved files stay tidy). */
export function moveTasks(file: DagFile, positions: ReadonlyMap<string, Position>): DagFile {
  if (positions.size === 0) return file;
  return {
    ...file,
    tasks: file.tasks.map((task) => {
      const position = positions.get(task.id);
      return position === undefined ? task : { ...task, position: { x: Math.round(position.x), y: Math.round(position.y) } };
    }),
  };
}

/** Replaces one task's fields (not its id; see `renameTask`). */
export function updateTask(file: DagFile, taskId: string, change: (task: TaskJson) => TaskJson): DagFile {
  return mapTask(file, taskId, (task) => ({ ...change(task), id: task.id }));
}

/** Renames a task and every reference to it (arguments and collocations). */
export function renameTask(file: DagFile, from: string, to: string): EditResult {
  const name = to.trim();
  if (name === "") return { ok: false, message: "a task id must not be empty" };
  if (name === from) return { ok: true, file };
  if (file.tasks.some((task) => task.id === name)) return { ok: false, message: `task id "${name}" is already used` };
  const rename = (arg: ArgJson): ArgJson => (typeof arg === "string" ? (arg === from ? name : arg) : isParamArg(arg) ? arg : arg.from === from ? { ...arg, from: name } : arg);
  return {
    ok: true,
    file: {
      ...file,
      tasks: file.tasks.map((task) => {
        let next = task.id === from ? { ...task, id: name } : task;
        if (next.args?.some((arg) => producerOf(arg) === from)) next = { ...next, args: next.args.map(rename) };
        if (next.placement?.kind === "collocated" && next.placement.with === from) next = { ...next, placement: { kind: "collocated", with: name } };
        return next;
      }),
    },
  };
}

/** The selected tasks as a clipboard: edges between them kept, edges from outside dropped. */
export function copyTasks(file: DagFile, taskIds: ReadonlySet<string>): TaskJson[] {
  return file.tasks
    .filter((task) => taskIds.has(task.id))
    .map((task) => {
      const args = (task.args ?? []).filter((arg) => isParamArg(arg) || taskIds.has(producerOf(arg) ?? ""));
      const copy = withArgs(task, args);
      if (copy.placement?.kind === "collocated" && !taskIds.has(copy.placement.with)) return { ...copy, placement: { kind: "auto" } };
      return copy;
    });
}

/** Pastes clipboard tasks under fresh ids (internal edges and collocations follow the rename), shifted by `offset`. */
export function pasteTasks(file: DagFile, clipboard: readonly TaskJson[], offset: Position): { file: DagFile; taskIds: string[] } {
  const taken = new Set(file.tasks.map((task) => task.id));
  const renamed = new Map<string, string>();
  for (const task of clipboard) {
    const id = uniqueTaskId(task.id, taken);
    taken.add(id);
    renamed.set(task.id, id);
  }
  const rename = (id: string): string => renamed.get(id) ?? id;
  const pasted = clipboard.map((task): TaskJson => {
    const next: TaskJson = { ...task, id: rename(task.id) };
    if (task.args !== undefined) next.args = task.args.map((arg) => (typeof arg === "string" ? rename(arg) : isParamArg(arg) ? arg : { ...arg, from: rename(arg.from) }));
    if (task.placement?.kind === "collocated") next.placement = { kind: "collocated", with: rename(task.placement.with) };
    const position = task.position ?? { x: 0, y: 0 };
    next.position = { x: Math.round(position.x + offset.x), y: Math.round(position.y + offset.y) };
    return next;
  });
  return { file: { ...file, tasks: [...file.tasks, ...pasted] }, taskIds: pasted.map((task) => task.id) };
}
