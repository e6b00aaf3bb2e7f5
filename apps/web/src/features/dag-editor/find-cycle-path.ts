import { producerOf } from "@handoff/protocol";
import type { TaskJson } from "@handoff/protocol";

/**
 * Would making `target` consume `source` close a cycle? Returns the cycle as a path that starts and ends
 * at `source` (`["a", "b", "c", "a"]`), or `null` when the connection is safe. A task consuming itself is
 * the one-step cycle `[a, a]`.
 * @example findCyclePath(tasks, "c", "a") // ["c", "a", "b", "c"] when b consumes a and c consumes b
 */
export function findCyclePath(tasks: readonly Pick<TaskJson, "id" | "args">[], source: string, target: string): string[] | null {
  if (source === target) return [source, source];
  const consumers = new Map<string, string[]>();
  for (const task of tasks) {
    for (const arg of task.args ?? []) {
      const producer = producerOf(arg);
      if (producer === null) continue;
      const list = consumers.get(producer);
      if (list === undefined) consumers.set(producer, [task.id]);
      else if (!list.includes(task.id)) list.push(task.id);
    }
  }
  // Breadth-first from target along producer → consumer edges: reaching source means source already depends on target.
  const previous = new Map<string, string>([[target, target]]);
  const queue = [target];
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head]!;
    if (current === source) {
      const path = [source];
      let step = source;
      while (step !== target) {
        step = previous.get(step)!;
        path.push(step);
      }
      path.reverse();
      return [source, ...path];
    }
    for (const next of consumers.get(current) ?? []) {
      if (previous.has(next)) continue;
      previous.set(next, current);
      queue.push(next);
    }
  }
  return null;
}

/** The message shown when a connection is refused. */
export function describeCycle(path: readonly string[]): string {
  const [source, target] = path;
  if (path.length === 2 && source === target) return `"${source}" cannot take its own result as an input`;
  return `connecting "${source}" → "${target}" would close a cycle: ${path.join(" → ")}`;
}
