/** What the task finder searches: a task's id, its label and its function. */
export interface FindableTask {
  readonly id: string;
  readonly fn: string;
  readonly label?: string | undefined;
}

/** The most matches the finder lists (the rest are reached by typing more). */
export const MAX_FOUND = 50;

function score(task: FindableTask, query: string): number | null {
  const id = task.id.toLowerCase();
  const fn = task.fn.toLowerCase();
  const label = task.label?.toLowerCase() ?? "";
  if (id === query) return 0;
  if (id.startsWith(query)) return 1;
  if (id.includes(query)) return 2;
  if (label.includes(query)) return 3;
  if (fn.startsWith(query) || fn.slice(fn.lastIndexOf(".") + 1).startsWith(query)) return 4;
  if (fn.includes(query)) return 5;
  return null;
}

/**
 * The tasks matching `query` (case-insensitive, by id, label or function), best first: exact id, id prefix,
 * id substring, label, function prefix, function substring; ties keep the DAG's order. At most `MAX_FOUND`.
 * An empty query lists the first tasks.
 * @example findTasks(tasks, "sum") // [{ id: "sum", … }, { id: "sum_2", … }, { id: "total", fn: "std.sum" }]
 */
export function findTasks<T extends FindableTask>(tasks: readonly T[], query: string, limit = MAX_FOUND): T[] {
  const wanted = query.trim().toLowerCase();
  if (wanted === "") return tasks.slice(0, limit);
  const scored: { task: T; score: number; order: number }[] = [];
  tasks.forEach((task, order) => {
    const value = score(task, wanted);
    if (value !== null) scored.push({ task, score: value, order });
  });
  scored.sort((a, b) => a.score - b.score || a.order - b.order);
  return scored.slice(0, limit).map((entry) => entry.task);
}
