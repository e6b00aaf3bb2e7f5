import { producerOf } from "@handoff/protocol";
import type { TaskJson } from "@handoff/protocol";

/** How a task relates to the focused tasks: one of them, feeding them, fed by them, or unrelated (dimmed). */
export type LineageRole = "focus" | "upstream" | "downstream" | "dim";

/**
 * Every task's role relative to `focus` (the selection): the focused tasks, everything they transitively read
 * (upstream), everything that transitively reads them (downstream), the rest dimmed. An empty focus gives an
 * empty map (nothing highlighted, nothing dimmed). Iterative, so deep chains cannot overflow the stack.
 * @example lineageRoles(tasks, new Set(["b"])) // Map { a → "upstream", b → "focus", c → "downstream", x → "dim" }
 */
export function lineageRoles(tasks: readonly Pick<TaskJson, "id" | "args">[], focus: ReadonlySet<string>): Map<string, LineageRole> {
  const roles = new Map<string, LineageRole>();
  if (focus.size === 0) return roles;
  const producers = new Map<string, string[]>();
  const consumers = new Map<string, string[]>();
  for (const task of tasks) {
    const sources = (task.args ?? []).flatMap((arg) => producerOf(arg) ?? []);
    producers.set(task.id, sources);
    for (const source of sources) (consumers.get(source) ?? consumers.set(source, []).get(source)!).push(task.id);
  }
  const walk = (next: ReadonlyMap<string, readonly string[]>): Set<string> => {
    const seen = new Set<string>();
    const stack = [...focus];
    while (stack.length > 0) {
      for (const neighbour of next.get(stack.pop()!) ?? []) {
        if (seen.has(neighbour) || focus.has(neighbour)) continue;
        seen.add(neighbour);
        stack.push(neighbour);
      }
    }
    return seen;
  };
  const upstream = walk(producers);
  const downstream = walk(consumers);
  for (const task of tasks) {
    roles.set(task.id, focus.has(task.id) ? "focus" : upstream.has(task.id) ? "upstream" : downstream.has(task.id) ? "downstream" : "dim");
  }
  return roles;
}

/** Whether the edge `source → target` lies on a highlighted path (so it is drawn strong, not dimmed). */
export function isLineageEdge(source: LineageRole | undefined, target: LineageRole | undefined): boolean {
  if (source === undefined || target === undefined) return false;
  const isUpPath = source === "upstream" && (target === "upstream" || target === "focus");
  const isDownPath = target === "downstream" && (source === "downstream" || source === "focus");
  return isUpPath || isDownPath || (source === "focus" && target === "focus");
}
