import type { DatabaseClient } from "./database-client.ts";

/** How many tasks of a run are in each state; inline tasks (never scheduled, so never changing state) count as `inline`. */
export type TaskCounts = Record<string, number>;

/** The ids of the tasks a DAG file snapshot marks `type: "inline"` (a run's spec is stored as it came). */
export function inlineTaskIds(spec: unknown): ReadonlySet<string> {
  const tasks = spec !== null && typeof spec === "object" && "tasks" in spec && Array.isArray(spec.tasks) ? (spec.tasks as unknown[]) : [];
  const ids = new Set<string>();
  for (const task of tasks) {
    if (task === null || typeof task !== "object") continue;
    const { id, type } = task as { id?: unknown; type?: unknown };
    if (type === "inline" && typeof id === "string") ids.add(id);
  }
  return ids;
}

/**
 * Task counts per run for a page of runs, in one grouped query.
 * @example await countTasks(client, ["run-1"]) // Map { "run-1" => { succeeded: 4, inline: 3 } }
 */
export async function countTasks(client: DatabaseClient, runIds: readonly string[]): Promise<Map<string, TaskCounts>> {
  const counts = new Map<string, TaskCounts>(runIds.map((id) => [id, {}]));
  if (runIds.length === 0) return counts;
  const groups = await client.task.groupBy({ by: ["runId", "state", "inline"], where: { runId: { in: [...runIds] } }, _count: { _all: true } });
  for (const group of groups) {
    const run = counts.get(group.runId);
    if (run === undefined) continue;
    const key = group.inline ? "inline" : group.state;
    run[key] = (run[key] ?? 0) + group._count._all;
  }
  return counts;
}
