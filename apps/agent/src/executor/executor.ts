import { Worker } from "node:worker_threads";
import { clearLongTimeout, setLongTimeout, type FunctionMeta, type LongTimeout } from "@handoff/protocol";
import type { ModuleLoadError, ModuleSource } from "../functions/load-modules.ts";
import type { AttemptCall, FromWorker, StreamedResult, ToWorker, TransformCall, WorkerMetrics } from "./worker-messages.ts";

/** Why an attempt did not succeed, in the wire's error kinds. */
export type AttemptFailureKind = "function_failed" | "non_retryable" | "cancelled" | "timeout";

/**
 * `metrics.wallMs` is exact (performance.now around the inputs' evaluation and the call, in the worker; from dispatch
 * to termination for a killed worker). `cpuMs` is approximate: the worker's event-loop active time during the job
 * (`performance.eventLoopUtilization`), since Node 20 has no per-thread CPU clock (`process.cpuUsage` is per process,
 * `worker.cpuUsage` / `process.threadCpuUsage` arrive in later Node versions); it counts time blocked in synchronous
 * calls and misses libuv thread-pool work. `heapUsedMb` is the worker's heap at the end (approximate).
 */
export type JobOutcome =
  | { readonly ok: true; readonly value: unknown; /** The result went to the call's `outputPath` as a stream of bytes. */ readonly streamed?: StreamedResult | undefined; readonly metrics: WorkerMetrics }
  | { readonly ok: false; readonly kind: AttemptFailureKind; readonly message: string; readonly metrics: Partial<WorkerMetrics> & { wallMs: number } };

export type JobLog = { readonly level: "info" | "warn" | "error"; readonly message: string; readonly at: number };

export type ExecutorOptions = {
  /** Function modules (absolute or relative paths, or shipped bundles) each worker loads. */
  readonly modules: readonly ModuleSource[];
  /**
   * Worker threads in the pool at most: how many jobs run at once. One starts with the pool (it reads the catalogue);
   * workers start when jobs wait and retire after `idleWorkerMs` without work (an idle agent holds none).
   */
  readonly slots: number;
  /** How long a worker may stay idle before it is retired (default 30 s). */
  readonly idleWorkerMs?: number;
  /** This machine's name (`currentTask().machine`, the target of every edge). */
  readonly machine: string;
  /** How long an aborted function may take to settle before its worker is terminated (default 200 ms). */
  readonly abortGraceMs?: number;
  /** Problems the pool recovers from on its own (a worker that cannot restart); for the agent's log. */
  readonly onProblem?: (message: string) => void;
};

export type Executor = {
  /** The standard library merged with every module's functions, sorted by name. */
  readonly catalogue: readonly FunctionMeta[];
  /**
   * Loads another set of modules (shipped bundles): a new worker loads them first (a module that fails leaves the pool
   * as it was, and rejects with `FunctionModuleError`); then the catalogue is the new one, idle workers with the old
   * set retire at once and busy ones when their job ends.
   */
  reload(modules: readonly ModuleSource[]): Promise<readonly FunctionMeta[]>;
  /**
   * Runs one attempt; never rejects: failures, aborts and worker crashes are outcomes. Attempts wait their turn in
   * order, each starting once its `slots` (default 1) fit the pool beside the running ones; `timeoutMs` counts from then.
   */
  run(attemptId: string, call: AttemptCall, options?: { readonly timeoutMs?: number; readonly onLog?: (log: JobLog) => void; readonly slots?: number }): Promise<JobOutcome>;
  /** Runs an edge transform `fn(value, source, target, ...args)` on this machine (the holder's encode step). */
  transform(call: TransformCall, options?: { readonly timeoutMs?: number }): Promise<JobOutcome>;
  /** Aborts a queued or running attempt; false when it is not here. */
  abort(attemptId: string, reason: "cancelled" | "timeout"): boolean;
  /** Attempts queued or running. */
  running(): string[];
  close(): Promise<void>;
};

/** The function modules could not be loaded: the agent cannot start. */
export class FunctionModuleError extends Error {
  override readonly name = "FunctionModuleError";
  readonly detail: ModuleLoadError;
  constructor(detail: ModuleLoadError) {
    super(detail.message);
    this.detail = detail;
  }
}

type Job = {
  readonly jobId: number;
  readonly attemptId: string | undefined;
  readonly message: Extract<ToWorker, { type: "run" | "transform" }>;
  readonly onLog: ((log: JobLog) => void) | undefined;
  readonly resolve: (outcome: JobOutcome) => void;
  startedAt: number;
  /** Pool slots it takes while it runs (its attempt's `slots`, at most the pool). */
  readonly units: number;
  readonly timeoutMs: number | undefined;
  abortReason: "cancelled" | "timeout" | undefined;
  timeout: LongTimeout | undefined;
  grace: ReturnType<typeof setTimeout> | undefined;
  slot: Slot | undefined;
};

type Slot = {
  worker: Worker;
  isReady: boolean;
  job: Job | undefined;
  isRetired: boolean;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Which module set it loaded (counted by reloads): one older than the pool's retires when idle. */
  generation: number;
};

const workerUrl = new URL("./worker-entry.mjs", import.meta.url);

/**
 * A pool of worker threads that run attempts off the agent's event loop, one job per worker. A function that
 * ignores its abort signal past a short grace, crashes, or calls `process.exit()` costs only its worker, which is
 * replaced; the attempt fails and the pool keeps working.
 * @example
 * const executor = await createExecutor({ modules: ["./fns/image.ts"], slots: 4, machine: "gpu-1" });
 * const outcome = await executor.run("run-1/resize#1", call);
 */
export async function createExecutor(options: ExecutorOptions): Promise<Executor> {
  const graceMs = options.abortGraceMs ?? 200;
  const idleWorkerMs = options.idleWorkerMs ?? 30_000;
  const slots = new Set<Slot>();
  const queue: Job[] = [];
  const jobsByAttempt = new Map<string, Job>();
  /** Slots taken by the jobs in workers (a job of several slots leaves workers idle beside it). */
  let busyUnits = 0;
  let nextJobId = 1;
  let isClosed = false;
  let modules = options.modules;
  let generation = 0;

  const finish = (job: Job, outcome: JobOutcome): void => {
    clearLongTimeout(job.timeout);
    if (job.grace !== undefined) clearTimeout(job.grace);
    if (job.attemptId !== undefined && jobsByAttempt.get(job.attemptId) === job) jobsByAttempt.delete(job.attemptId);
    const queued = queue.indexOf(job);
    if (queued !== -1) queue.splice(queued, 1);
    if (job.slot !== undefined && job.slot.job === job) {
      job.slot.job = undefined;
      busyUnits -= job.units;
    }
    job.resolve(outcome);
  };

  const abortedOutcome = (job: Job, reason: "cancelled" | "timeout", metrics?: WorkerMetrics): JobOutcome => ({
    ok: false,
    kind: reason,
    message: reason === "timeout" ? "the attempt timed out" : "the attempt was cancelled",
    metrics: metrics ?? { wallMs: job.startedAt === 0 ? 0 : performance.now() - job.startedAt },
  });

  /** The worker leaves the pool for good (idle too long, or loaded before the last reload). */
  const retire = (slot: Slot): void => {
    if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.isRetired = true;
    slots.delete(slot);
    void slot.worker.terminate();
  };

  const retireWhenIdle = (slot: Slot): void => {
    if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.job !== undefined || slot.isRetired || isClosed) return;
      retire(slot);
    }, idleWorkerMs);
    slot.idleTimer.unref();
  };

  const dispatch = (): void => {
    for (const slot of slots) {
      if (!slot.isReady || slot.job !== undefined || slot.isRetired) continue;
      if (slot.generation < generation) {
        // Loaded before the last reload: it would run the old code.
        retire(slot);
        continue;
      }
      if (queue.length === 0) {
        if (slot.idleTimer === undefined) retireWhenIdle(slot);
        continue;
      }
      // In order: a job whose slots do not fit yet keeps the ones behind it waiting (the server counts the same way).
      if (busyUnits + queue[0]!.units > options.slots) break;
      if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      const job = queue.shift() as Job;
      slot.job = job;
      job.slot = slot;
      busyUnits += job.units;
      job.startedAt = performance.now();
      if (job.timeoutMs !== undefined) job.timeout = setLongTimeout(() => abortJob(job, "timeout"), job.timeoutMs);
      slot.worker.postMessage(job.message);
    }
    // Jobs still waiting start more workers, up to `slots` (a starting worker counts: it takes the next job).
    const starting = [...slots].filter((slot) => !slot.isReady).length;
    for (let more = Math.min(queue.length - starting, options.slots - slots.size); more > 0 && !isClosed; more--) void replace();
  };

  const onMessage = (slot: Slot, message: FromWorker): void => {
    switch (message.type) {
      case "ready":
      case "init_failed":
        return; // handled by the start-up listener
      case "log": {
        const job = slot.job;
        if (job?.jobId === message.jobId) job.onLog?.({ level: message.level, message: message.message, at: message.at });
        return;
      }
      case "done": {
        const job = slot.job;
        if (job?.jobId !== message.jobId) return;
        if (job.abortReason !== undefined) finish(job, abortedOutcome(job, job.abortReason, message.metrics));
        else if (message.ok) finish(job, { ok: true, value: message.value, streamed: message.streamed, metrics: message.metrics });
        else finish(job, { ok: false, kind: message.kind, message: message.message, metrics: message.metrics });
        dispatch();
        return;
      }
    }
  };

  // A worker that dies takes only its own job with it; a fresh worker takes its place.
  const onWorkerGone = (slot: Slot, why: string): void => {
    if (!slots.delete(slot)) return;
    const job = slot.job;
    if (job !== undefined) {
      const wallMs = performance.now() - job.startedAt;
      if (job.abortReason !== undefined) finish(job, abortedOutcome(job, job.abortReason));
      else finish(job, { ok: false, kind: "function_failed", message: why, metrics: { wallMs } });
    }
    if (!isClosed && !slot.isRetired && queue.length > 0) void replace();
  };

  const spawn = (loading: readonly ModuleSource[] = modules, loadingGeneration = generation): Promise<{ slot: Slot; functions: readonly FunctionMeta[] }> =>
    new Promise((resolve, reject) => {
      // execArgv: [] so a parent started with `--import tsx` does not register tsx twice in the worker.
      const worker = new Worker(workerUrl, { execArgv: [] });
      const slot: Slot = { worker, isReady: false, job: undefined, isRetired: false, idleTimer: undefined, generation: loadingGeneration };
      slots.add(slot);
      let isStarted = false;
      worker.on("message", (message: FromWorker) => {
        if (!isStarted && message.type === "ready") {
          isStarted = true;
          slot.isReady = true;
          resolve({ slot, functions: message.functions });
          dispatch();
          return;
        }
        if (!isStarted && message.type === "init_failed") {
          isStarted = true;
          retire(slot);
          reject(new FunctionModuleError(message.error));
          return;
        }
        onMessage(slot, message);
      });
      worker.on("error", (error) => {
        if (!isStarted) {
          isStarted = true;
          slots.delete(slot);
          reject(error);
          return;
        }
        onWorkerGone(slot, `the function crashed its worker: ${error.message}`);
      });
      worker.on("exit", (code) => {
        if (!isStarted) {
          isStarted = true;
          slots.delete(slot);
          reject(new Error(`executor worker exited with code ${code} while loading the function modules`));
          return;
        }
        onWorkerGone(slot, `the function ended its worker thread (exit code ${code})`);
      });
      worker.postMessage({ type: "init", modules: loading, machine: options.machine } satisfies ToWorker);
    });

  const replace = async (): Promise<void> => {
    for (let delayMs = 100; !isClosed; delayMs = Math.min(delayMs * 2, 5_000)) {
      try {
        await spawn();
        return;
      } catch (error) {
        options.onProblem?.(`executor worker could not restart: ${(error as Error).message}; retrying in ${delayMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  };

  let catalogue = (await spawn()).functions;
  let reloads: Promise<unknown> = Promise.resolve();

  const enqueue = (attemptId: string | undefined, message: Job["message"], onLog: Job["onLog"], timeoutMs: number | undefined, slotsTaken = 1): Promise<JobOutcome> =>
    new Promise((resolve) => {
      if (isClosed) {
        resolve({ ok: false, kind: "cancelled", message: "the agent is stopping", metrics: { wallMs: 0 } });
        return;
      }
      const units = Math.min(Math.max(1, Math.ceil(slotsTaken)), options.slots);
      const job: Job = { jobId: message.jobId, attemptId, message, onLog, resolve, startedAt: 0, units, timeoutMs, abortReason: undefined, timeout: undefined, grace: undefined, slot: undefined };
      if (attemptId !== undefined) jobsByAttempt.set(attemptId, job);
      queue.push(job);
      dispatch();
    });

  const abortJob = (job: Job, reason: "cancelled" | "timeout"): void => {
    if (job.abortReason !== undefined) return;
    job.abortReason = reason;
    const slot = job.slot;
    if (slot === undefined) {
      finish(job, abortedOutcome(job, reason));
      return;
    }
    slot.worker.postMessage({ type: "abort", jobId: job.jobId, reason } satisfies ToWorker);
    job.grace = setTimeout(() => {
      // The function ignored its signal: its worker goes, and a fresh one takes the slot.
      if (slot.job !== job) return;
      finish(job, abortedOutcome(job, reason));
      slots.delete(slot);
      void slot.worker.terminate();
      if (!isClosed && queue.length > 0) void replace();
    }, graceMs);
  };

  const reload = async (next: readonly ModuleSource[]): Promise<readonly FunctionMeta[]> => {
    const loaded = await spawn(next, generation + 1);
    modules = next;
    generation += 1;
    catalogue = loaded.functions;
    dispatch();
    return catalogue;
  };

  return {
    get catalogue() {
      return catalogue;
    },
    reload(next) {
      // One at a time: each reload starts from the set the previous one left.
      const done = reloads.then(() => reload(next));
      reloads = done.catch(() => undefined);
      return done;
    },
    run: (attemptId, call, runOptions = {}) => {
      const existing = jobsByAttempt.get(attemptId);
      if (existing !== undefined) {
        return Promise.resolve({ ok: false, kind: "function_failed", message: `attempt ${attemptId} is already running here`, metrics: { wallMs: 0 } });
      }
      return enqueue(attemptId, { type: "run", jobId: nextJobId++, call }, runOptions.onLog, runOptions.timeoutMs, runOptions.slots);
    },
    transform: (call, transformOptions = {}) => enqueue(undefined, { type: "transform", jobId: nextJobId++, call }, undefined, transformOptions.timeoutMs),
    abort(attemptId, reason) {
      const job = jobsByAttempt.get(attemptId);
      if (job === undefined) return false;
      abortJob(job, reason);
      return true;
    },
    running: () => [...jobsByAttempt.keys()],
    async close() {
      isClosed = true;
      for (const job of [...queue]) finish(job, abortedOutcome(job, "cancelled"));
      const workers = [...slots];
      slots.clear();
      for (const slot of workers) if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
      for (const slot of workers) if (slot.job !== undefined) finish(slot.job, abortedOutcome(slot.job, "cancelled"));
      await Promise.all(workers.map((slot) => slot.worker.terminate()));
    },
  };
}
