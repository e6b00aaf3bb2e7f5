import { AsyncLocalStorage } from "node:async_hooks";
import type { MachineName, TaskId } from "@handoff/core";

export interface TaskLog {
  info(...parts: unknown[]): void;
  warn(...parts: unknown[]): void;
  error(...parts: unknown[]): void;
}

/** What a running function may know about the attempt it runs in. */
export interface TaskContext {
  /** Aborts when the attempt times out or the run is cancelled; pass it to fetch, timers, child work. */
  readonly signal: AbortSignal;
  /** Lines written here are attached to this attempt (and shown in the dashboard). */
  readonly log: TaskLog;
  /** 0 for the first try, 1 for the first retry… */
  readonly attempt: number;
  readonly runId: string;
  readonly taskId: TaskId;
  readonly machine: MachineName;
}

/** Thrown by `currentTask()` when called outside a task. */
export class NoTaskContextError extends Error {
  override readonly name = "NoTaskContextError";
  constructor() {
    super("currentTask() was called outside a running task; call it from inside a function's run (executors wrap it with runWithTaskContext)");
  }
}

// One store per process (per worker thread): it is how `currentTask()` finds its attempt without an argument.
const storage = new AsyncLocalStorage<TaskContext>();

/**
 * The context of the attempt the calling code runs in, across awaits.
 * @example
 * const slow = defineFunction({ name: "demo.slow", run: async () => {
 *   const { signal, log } = currentTask();
 *   log.info("starting");
 *   await setTimeout(1000, undefined, { signal });
 * } });
 */
export function currentTask(): TaskContext {
  const context = storage.getStore();
  if (context === undefined) throw new NoTaskContextError();
  return context;
}

/** Like `currentTask()`, but undefined outside a task (for code that also runs on its own). */
export function findCurrentTask(): TaskContext | undefined {
  return storage.getStore();
}

/** For executors: runs `fn(...args)` (and everything it awaits) with `context` as the current task. */
export function runWithTaskContext<T, Args extends unknown[] = []>(context: TaskContext, fn: (...args: Args) => T, ...args: Args): T {
  return storage.run(context, fn, ...args);
}
