import type { TaskState } from "@handoff/core";

/** Live facts about a task in a run, shown on its node. */
export interface TaskRunFacts {
  readonly state: TaskState;
  readonly machine: string | null;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly reason: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly resultMachine: string | null;
  /** An inline task's scheduled consumers, which evaluate it (its state and machines are theirs). */
  readonly inlineIn?: readonly string[];
  /** A re-run took this result over from an earlier run instead of running the task. */
  readonly reusedFrom?: string | null;
}

/** A task as the run view holds it (a `runs.get` / `runs.watch` task view): its facts, with its result's holder. */
export interface RunTaskLike extends Omit<TaskRunFacts, "resultMachine"> {
  readonly taskId: string;
  readonly result: { readonly machine: string } | null;
}

export interface RunFactsStore {
  /** Takes the run's tasks; only tasks whose object changed since the last call notify their listeners. */
  update(tasks: readonly RunTaskLike[]): void;
  get(taskId: string): TaskRunFacts | undefined;
  subscribe(taskId: string, listener: () => void): () => void;
  /** Called once after every `update` that changed any task (the painted overview repaints then). */
  subscribeAll(listener: () => void): () => void;
}

/**
 * Live facts per task with a listener per task, so a batch of watch events re-renders only the nodes whose
 * task changed (a context value would re-render all 1,000 of them). Unchanged tasks keep their object
 * across batches (`applyWatchEvents` copies only the changed ones), which is what is compared.
 * @example const store = createRunFactsStore(); store.update(run.tasks); store.get("sum")?.state
 */
export function createRunFactsStore(): RunFactsStore {
  const sources = new Map<string, RunTaskLike>();
  const facts = new Map<string, TaskRunFacts>();
  const listeners = new Map<string, Set<() => void>>();
  const anyListeners = new Set<() => void>();
  return {
    update(tasks) {
      const changed: string[] = [];
      for (const task of tasks) {
        if (sources.get(task.taskId) === task) continue;
        sources.set(task.taskId, task);
        facts.set(task.taskId, {
          state: task.state,
          machine: task.machine,
          attempts: task.attempts,
          maxAttempts: task.maxAttempts,
          reason: task.reason,
          startedAt: task.startedAt,
          finishedAt: task.finishedAt,
          resultMachine: task.result?.machine ?? null,
          ...(task.inlineIn === undefined ? {} : { inlineIn: task.inlineIn }),
          ...(task.reusedFrom === undefined || task.reusedFrom === null ? {} : { reusedFrom: task.reusedFrom }),
        });
        changed.push(task.taskId);
      }
      for (const taskId of changed) for (const listener of listeners.get(taskId) ?? []) listener();
      if (changed.length > 0) for (const listener of anyListeners) listener();
    },
    get: (taskId) => facts.get(taskId),
    subscribe(taskId, listener) {
      const set = listeners.get(taskId) ?? listeners.set(taskId, new Set()).get(taskId)!;
      set.add(listener);
      return () => set.delete(listener);
    },
    subscribeAll(listener) {
      anyListeners.add(listener);
      return () => anyListeners.delete(listener);
    },
  };
}
