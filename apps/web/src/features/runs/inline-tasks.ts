import { TaskState } from "@handoff/core";
import { producerOf } from "@handoff/protocol";
import type { RunTaskLike } from "../canvas/run-facts-store.ts";

interface FileTask {
  readonly id: string;
  readonly type?: string;
  readonly args?: readonly (string | { readonly from: string } | { readonly param: string })[];
}

/** The fields of a run's task that an inline task's view is derived from (`inlineIn` is set on the derived view). */
export type InlineSourceTask = Omit<RunTaskLike, "result"> & { readonly inline: boolean };

/**
 * For each inline task, the scheduled tasks it is evaluated in: its consumers, and through an inline consumer
 * that one's consumers, in file order. An inline task nobody consumes is evaluated nowhere (empty list).
 * @example inlineConsumers({ tasks: [{ id: "a", type: "inline" }, { id: "b", args: ["a"] }] }) // Map { "a" => ["b"] }
 */
export function inlineConsumers(file: { readonly tasks: readonly FileTask[] }): ReadonlyMap<string, readonly string[]> {
  const isInline = new Set(file.tasks.filter((task) => task.type === "inline").map((task) => task.id));
  const direct = new Map<string, string[]>();
  for (const task of file.tasks) {
    for (const arg of task.args ?? []) {
      const source = producerOf(arg);
      if (source === null || !isInline.has(source)) continue;
      const list = direct.get(source) ?? direct.set(source, []).get(source)!;
      if (!list.includes(task.id)) list.push(task.id);
    }
  }
  const result = new Map<string, readonly string[]>();
  const resolve = (id: string, seen: Set<string>): string[] => {
    const known = result.get(id);
    if (known !== undefined) return [...known];
    const out: string[] = [];
    for (const consumer of direct.get(id) ?? []) {
      if (!isInline.has(consumer)) out.push(consumer);
      else if (!seen.has(consumer)) out.push(...resolve(consumer, new Set([...seen, consumer])));
    }
    return [...new Set(out)];
  };
  for (const id of isInline) result.set(id, resolve(id, new Set([id])));
  return result;
}

const ACTIVE: readonly TaskState[] = [TaskState.Running, TaskState.Retrying];
const WAITING: readonly TaskState[] = [TaskState.WaitingForDependencies, TaskState.WaitingForResources];

/**
 * The state an inline task is shown in, from its consumers': running while one of them runs, waiting while one
 * has not run yet, succeeded once all of them did, else the first failure's state.
 */
export function inlineState(consumers: readonly { readonly state: TaskState }[]): TaskState {
  if (consumers.length === 0) return TaskState.WaitingForDependencies;
  const active = consumers.find((consumer) => ACTIVE.includes(consumer.state));
  if (active !== undefined) return active.state;
  if (consumers.some((consumer) => WAITING.includes(consumer.state))) return TaskState.WaitingForDependencies;
  if (consumers.every((consumer) => consumer.state === TaskState.Succeeded)) return TaskState.Succeeded;
  return consumers.find((consumer) => consumer.state !== TaskState.Succeeded)!.state;
}

/**
 * Replaces each inline task of a run (whose stored state never moves: the scheduler evaluates it inside its
 * consumers) by a view derived from its consumers: their state, machines and times, and `inlineIn`. Tasks that
 * are not inline, and inline ones whose consumers did not change, keep their object (the canvas compares them).
 * @example const derive = createInlineDerivation(file); const shown = derive(run.tasks);
 */
export function createInlineDerivation<T extends InlineSourceTask>(file: { readonly tasks: readonly FileTask[] }): (tasks: readonly T[]) => readonly T[] {
  const consumersOf = inlineConsumers(file);
  const previous = new Map<string, { readonly consumers: readonly T[]; readonly derived: T }>();
  return (tasks) => {
    if (consumersOf.size === 0) return tasks;
    const byId = new Map(tasks.map((task) => [task.taskId, task]));
    return tasks.map((task) => {
      const ids = consumersOf.get(task.taskId);
      if (ids === undefined) return task;
      const consumers = ids.flatMap((id) => byId.get(id) ?? []);
      const kept = previous.get(task.taskId);
      if (kept !== undefined && kept.consumers.length === consumers.length && kept.consumers.every((consumer, index) => consumer === consumers[index])) return kept.derived;
      const derived = deriveInline(task, ids, consumers);
      previous.set(task.taskId, { consumers, derived });
      return derived;
    });
  };
}

function deriveInline<T extends InlineSourceTask>(task: T, ids: readonly string[], consumers: readonly T[]): T {
  const machines = [...new Set(consumers.flatMap((consumer) => (consumer.machine === null ? [] : [consumer.machine])))];
  const starts = consumers.flatMap((consumer) => (consumer.startedAt === null ? [] : [consumer.startedAt])).sort();
  const state = inlineState(consumers);
  const ends = consumers.map((consumer) => consumer.finishedAt);
  const isDone = ends.length > 0 && ends.every((end) => end !== null);
  return {
    ...task,
    state,
    machine: machines.length === 0 ? null : machines.join(", "),
    attempts: consumers.reduce((sum, consumer) => sum + consumer.attempts, 0),
    reason: ids.length === 0 ? "inline, consumed by no task: never evaluated" : `inline: evaluated in ${ids.join(", ")}`,
    startedAt: starts[0] ?? null,
    finishedAt: isDone ? (ends.filter((end) => end !== null).sort().at(-1) ?? null) : null,
    inlineIn: ids,
  };
}
