import { performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { clearLongTimeout, setLongTimeout } from "@handoff/protocol";
import { callTransform, isNonRetryable, runWithTaskContext, stdFunctions, type FunctionRegistry, type TaskContext } from "@handoff/sdk";
import { describeError as describe } from "../describe-error.ts";
import { evaluateCall } from "./evaluate-call.ts";
import type { Executor, JobLog, JobOutcome } from "./executor.ts";
import type { WorkerMetrics } from "./worker-messages.ts";

export type InProcessExecutorOptions = {
  /** This machine's name (`currentTask().machine`, the target of every edge). */
  readonly machine: string;
  /** Attempts run at once; later ones wait their turn, as in the worker pool. */
  readonly slots: number;
  /** The functions offered (default: the standard library). */
  readonly registry?: FunctionRegistry;
};

type Job = {
  readonly start: () => void;
  readonly controller: AbortController;
  abortReason: "cancelled" | "timeout" | undefined;
  settle: ((outcome: JobOutcome) => void) | undefined;
};

/**
 * An executor that calls functions on the agent's own thread: no worker threads, so one process can hold hundreds
 * of machines (`handoff agent --simulate N`). It offers the standard library, whose functions are short and honour
 * their abort signal; a function that blocks the thread blocks every simulated machine, which is why real agents use
 * the worker pool (`createExecutor`).
 * @example
 * const executor = createInProcessExecutor({ machine: "sim-1", slots: 4 });
 * const outcome = await executor.run("run-1/a#1", call);
 */
export function createInProcessExecutor(options: InProcessExecutorOptions): Executor {
  const registry = options.registry ?? stdFunctions;
  const jobs = new Map<string, Job>();
  const waiting: Job[] = [];
  let active = 0;
  let isClosed = false;

  const next = (): void => {
    while (active < options.slots && waiting.length > 0) {
      active++;
      (waiting.shift() as Job).start();
    }
  };

  const execute = (attemptId: string | undefined, fields: Pick<TaskContext, "runId" | "taskId" | "attempt">, body: () => unknown, timeoutMs: number | undefined, onLog: ((log: JobLog) => void) | undefined): Promise<JobOutcome> =>
    new Promise<JobOutcome>((resolve) => {
      if (isClosed) return resolve({ ok: false, kind: "cancelled", message: "the executor is closed", metrics: { wallMs: 0 } });
      const controller = new AbortController();
      let startedAt = 0;
      const wallMs = (): number => (startedAt === 0 ? 0 : performance.now() - startedAt);
      const timeout = timeoutMs === undefined ? undefined : setLongTimeout(() => abortJob(job, "timeout"), timeoutMs);
      const job: Job = {
        controller,
        abortReason: undefined,
        settle: (outcome) => {
          job.settle = undefined;
          clearLongTimeout(timeout);
          if (attemptId !== undefined && jobs.get(attemptId) === job) jobs.delete(attemptId);
          const queued = waiting.indexOf(job);
          if (queued === -1 && startedAt !== 0) active--;
          else if (queued !== -1) waiting.splice(queued, 1);
          resolve(outcome);
          next();
        },
        start: () => {
          startedAt = performance.now();
          const log = (level: JobLog["level"]) => (...parts: unknown[]) => onLog?.({ level, message: parts.map(String).join(" "), at: Date.now() });
          const context: TaskContext = { ...fields, signal: controller.signal, machine: options.machine, log: { info: log("info"), warn: log("warn"), error: log("error") } };
          // The heap alone (no resident-set read from /proc, which `process.memoryUsage()` makes): once per attempt.
          const metrics = (): WorkerMetrics => ({ wallMs: wallMs(), cpuMs: wallMs(), heapUsedMb: getHeapStatistics().used_heap_size / (1024 * 1024) });
          Promise.resolve()
            .then(() => runWithTaskContext(context, body))
            .then(
              (value) => job.settle?.(job.abortReason === undefined ? { ok: true, value, metrics: metrics() } : aborted(job.abortReason, metrics())),
              (error: unknown) =>
                job.settle?.(job.abortReason === undefined ? { ok: false, kind: isNonRetryable(error) ? "non_retryable" : "function_failed", message: describe(error), metrics: metrics() } : aborted(job.abortReason, metrics())),
            );
        },
      };
      if (attemptId !== undefined) jobs.set(attemptId, job);
      waiting.push(job);
      next();
    });

  const abortJob = (job: Job, reason: "cancelled" | "timeout"): void => {
    if (job.settle === undefined || job.abortReason !== undefined) return;
    job.abortReason = reason;
    job.controller.abort(new Error(reason));
    // A function that ignores its signal still ends the attempt now; its late value is dropped.
    job.settle(aborted(reason, { wallMs: 0 }));
  };

  return {
    catalogue: registry.list(),
    reload: () => Promise.reject(new Error("an in-process agent offers the standard library only: it loads no function bundles")),
    run: (attemptId, call, runOptions) =>
      execute(attemptId, call, () => evaluateCall(registry, options.machine, call), runOptions?.timeoutMs, runOptions?.onLog),
    transform: (call, transformOptions) =>
      execute(undefined, { runId: call.runId, taskId: call.taskId, attempt: 0 }, () => callTransform(registry, { fn: call.fn, args: call.args }, call.value, call.source, call.target), transformOptions?.timeoutMs, undefined),
    abort: (attemptId, reason) => {
      const job = jobs.get(attemptId);
      if (job === undefined) return false;
      abortJob(job, reason);
      return true;
    },
    running: () => [...jobs.keys()],
    close: async () => {
      isClosed = true;
      for (const job of [...jobs.values()]) abortJob(job, "cancelled");
    },
  };
}

function aborted(reason: "cancelled" | "timeout", metrics: Partial<WorkerMetrics> & { wallMs: number }): JobOutcome {
  return { ok: false, kind: reason, message: reason === "timeout" ? "the attempt timed out" : "the attempt was cancelled", metrics };
}
