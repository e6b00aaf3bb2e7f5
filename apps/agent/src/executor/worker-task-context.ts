import { LazyAbort, type TaskContext, type TaskLog } from "@handoff/sdk";

type Level = "info" | "warn" | "error";

/**
 * What `currentTask()` returns inside a job of an executor worker. Built for every job, so it is cheap: the abort
 * signal and the log are made on first use (most functions never touch them; an `AbortController`, the spread of the
 * call's fields and the log's closures were ~15% of a worker's time on no-op jobs); the signal through `LazyAbort`, as
 * `executeLocal`'s attempts do.
 */
export class WorkerTaskContext implements TaskContext {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly machine: string;
  readonly #jobId: number;
  readonly #logLine: (jobId: number, level: Level, parts: unknown[]) => void;
  readonly #abort = new LazyAbort();
  #log: TaskLog | undefined;

  constructor(jobId: number, fields: { readonly runId: string; readonly taskId: string; readonly attempt: number }, machine: string, logLine: (jobId: number, level: Level, parts: unknown[]) => void) {
    this.runId = fields.runId;
    this.taskId = fields.taskId;
    this.attempt = fields.attempt;
    this.machine = machine;
    this.#jobId = jobId;
    this.#logLine = logLine;
  }

  /** The job a context belongs to (console output inside a function becomes that job's log); undefined for another context. */
  static jobIdOf(context: TaskContext | undefined): number | undefined {
    return context instanceof WorkerTaskContext ? context.#jobId : undefined;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  get log(): TaskLog {
    if (this.#log === undefined) {
      const line = (level: Level) => (...parts: unknown[]) => this.#logLine(this.#jobId, level, parts);
      this.#log = { info: line("info"), warn: line("warn"), error: line("error") };
    }
    return this.#log;
  }

  /** The first reason wins; later calls do nothing. */
  abort(reason: Error): void {
    this.#abort.abort(reason);
  }
}
