import type { TaskContext, TaskLog } from "./current-task.ts";
import { LazyAbort } from "./lazy-abort.ts";

export const LOCAL_MACHINE = "local";

/**
 * What `currentTask()` returns inside an `executeLocal` attempt: the task's own small object, so a function sees only
 * the `TaskContext` fields and can reach nothing of the attempt that runs it (its id, its place in `LiveAttempts`, its
 * pending outcome, its abort). Writing to it changes only the caller's own view.
 */
class LocalTaskContext implements TaskContext {
  readonly machine = LOCAL_MACHINE;
  readonly #abort: LazyAbort;

  constructor(
    abort: LazyAbort,
    readonly runId: string,
    readonly taskId: string,
    readonly attempt: number,
    readonly log: TaskLog,
  ) {
    this.#abort = abort;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }
}

/** One attempt in flight in `executeLocal`: its abort (`LazyAbort`: the AbortSignal made on first use) and its bookkeeping. */
export class LocalAttempt extends LazyAbort {
  /** What the function sees as `currentTask()`. */
  readonly context: TaskContext;
  /** A synchronous call's outcome, waiting for its batch to be reported (`drainSyncReports`). */
  isSyncOk = true;
  syncOutcome: unknown = undefined;
  /** Its place in `LiveAttempts`, -1 when it is not there. */
  position = -1;
  #onAbort: ((reason: Error) => void) | undefined;

  constructor(
    readonly attemptId: string,
    runId: string,
    readonly taskId: string,
    attempt: number,
    log: TaskLog,
  ) {
    super();
    this.context = new LocalTaskContext(this, runId, taskId, attempt, log);
  }

  /** The first reason wins; later calls do nothing (and return false). */
  override abort(reason: Error): boolean {
    if (!super.abort(reason)) return false;
    this.#onAbort?.(reason);
    return true;
  }

  /** Rejects when the attempt is aborted, so a caller need not wait for the function's promise. */
  whenAborted(): Promise<never> {
    return new Promise<never>((_, reject) => {
      const reason = this.reason;
      if (reason !== undefined) reject(reason);
      else this.#onAbort = reject;
    });
  }
}

/**
 * The attempts in flight (at most the run's concurrency), in a list where each knows its place: no Map keyed by
 * attempt id, whose table V8 reallocated at nearly every add and remove while it held one or two (~250 bytes a task,
 * heap profile 2026-12-02). Looking one up by id (an abort command, rare) walks the list.
 */
export class LiveAttempts {
  readonly #list: (LocalAttempt | undefined)[] = [];
  // Counted here, not by the list's length: a list popped to empty gives its storage back and regrows at the next add.
  #count = 0;

  add(attempt: LocalAttempt): void {
    attempt.position = this.#count;
    this.#list[this.#count++] = attempt;
  }

  /** Takes it out; false when it was not in flight (aborted or finished: its late result is dropped). */
  remove(attempt: LocalAttempt): boolean {
    const at = attempt.position;
    if (at < 0 || this.#list[at] !== attempt) return false;
    const last = this.#list[--this.#count]!;
    this.#list[at] = last;
    last.position = at;
    this.#list[this.#count] = undefined;
    attempt.position = -1;
    return true;
  }

  find(attemptId: string): LocalAttempt | undefined {
    for (let i = 0; i < this.#count; i++) if (this.#list[i]!.attemptId === attemptId) return this.#list[i];
    return undefined;
  }

  /** Takes every attempt out, and returns them. */
  takeAll(): LocalAttempt[] {
    const all = this.#list.slice(0, this.#count) as LocalAttempt[];
    for (const attempt of all) attempt.position = -1;
    this.#list.length = 0;
    this.#count = 0;
    return all;
  }
}
