import { rm } from "node:fs/promises";
import {
  clearLongTimeout,
  inputDelivery,
  previewBytesHead,
  previewValue,
  setLongTimeout,
  type FunctionMeta,
  type InputDelivery,
  type TaskAssignItem,
  type TaskErrorJson,
  type TaskFinishedItem,
  type TaskLogItem,
} from "@handoff/protocol";
import { Grant, type GrantEncode } from "@handoff/protocol/grant";
import type { ResultFetcher } from "../results/result-fetcher.ts";
import type { ResultStore } from "../results/result-store.ts";
import { createRedactor, redactReport, secretNamesOf, withSecrets, type ResolveSecrets } from "./attempt-secrets.ts";
import { encodeJsonWithPreview, ValueContentType } from "../results/value-bytes.ts";
import type { Executor, JobOutcome } from "./executor.ts";
import { resolveInputs, type InputValue, type ResultInput } from "./resolve-inputs.ts";
import { createProducerWaits, producerWaitsOf } from "./producer-waits.ts";

export type AttemptRunnerOptions = {
  readonly machine: string;
  readonly store: ResultStore;
  readonly fetcher: ResultFetcher;
  readonly executor: Executor;
  readonly onLog: (item: TaskLogItem) => void;
  /** A fresh grant (and the holder's URL) for one that expired while the attempt waited; undefined when refused. */
  readonly refreshGrant?: (grant: string) => Promise<{ readonly grant: string; readonly url: string } | undefined>;
  /** The values of the named secrets an attempt refers to (asked only when it refers to some). */
  readonly resolveSecrets?: ResolveSecrets;
};

export type AttemptRunner = {
  /** Resolves inputs, runs the function in the pool, stores the value; always settles with a report item. */
  run(item: TaskAssignItem): Promise<TaskFinishedItem>;
  abort(attemptId: string, reason: "cancelled" | "timeout"): boolean;
  /** Attempts between assignment and report. */
  running(): string[];
  isRunning(attemptId: string): boolean;
};

const PREVIEW_BYTES = 4096;
/** Inputs downloaded from other machines, reported per attempt (the run timeline draws them). */
const MAX_TRANSFERS = 1000;
type Transfer = { readonly taskId: string; readonly from: string; readonly bytes: number; readonly ms: number; /** performance.now() at its start */ readonly at: number };
const MAX_ERROR_CHARS = 64 * 1024;

/** `stopFetching` ends the wait for the inputs (a plain callback: cheaper than an `AbortController` per attempt). */
type Pending = { abortReason: "cancelled" | "timeout" | undefined; stopFetching: () => void; isInPool: boolean };

/**
 * What one agent does with an assign item: the main thread gathers the input values (local store, or a direct fetch
 * from the holder with the grant in `fetch`), the executor evaluates and calls the function off the event loop,
 * and a succeeded value is stored under `(runId, taskId)` and reported with its size and a preview.
 */
export function createAttemptRunner(options: AttemptRunnerOptions): AttemptRunner {
  const { machine, store, fetcher, executor } = options;
  const pending = new Map<string, Pending>();
  const functions = new Map<string, FunctionMeta>(executor.catalogue.map((meta) => [meta.name, meta]));
  const isRunning = (attemptId: string): boolean => pending.has(attemptId) || resolving.has(attemptId);
  const producerWaits = createProducerWaits({ has: (runId, taskId) => store.has(runId, taskId), isRunning });

  // An input its function takes as a stream or a file: the bytes the store holds in memory, else its file.
  const storedInput = async (runId: string, key: string, taskId: string, as: "stream" | "path", isEncoded: boolean): Promise<InputValue> => {
    const bytes = as === "stream" ? store.bytesInMemory(runId, key) : undefined;
    const path = bytes === undefined ? await store.pathOf(runId, key) : undefined;
    if (bytes === undefined && path === undefined) return lost(`input "${taskId}" was evicted from ${machine} while being read`);
    return { ok: true, stored: { as, ...(bytes === undefined ? { path } : { bytes }) }, isEncoded };
  };

  const getValue = (item: TaskAssignItem, transfers: Transfer[]) => {
    const attemptRunId = item.runId;
    // One renewal per expired grant, however many inputs it serves (a shared grant names thousands).
    const renewals = new Map<string, Promise<{ readonly grant: string; readonly url: string } | undefined>>();
    const renew = (grant: string): Promise<{ readonly grant: string; readonly url: string } | undefined> => {
      let renewal = renewals.get(grant);
      if (renewal === undefined) renewals.set(grant, (renewal = options.refreshGrant!(grant)));
      return renewal;
    };
    return async (input: ResultInput, as: InputDelivery): Promise<InputValue> => {
      // A value a re-run reused stays under the run that produced it.
      const runId = input.runId ?? attemptRunId;
      if (input.fetch !== undefined) {
        const isShared = "shared" in input.fetch;
        const grant = "shared" in input.fetch ? item.sharedGrants?.[input.fetch.shared] : input.fetch.grant;
        if (grant === undefined) return lost(`input "${input.taskId}" names a shared grant the assignment does not carry`);
        // When the grant names the edge's encode, the holder runs it and serves the encoded value, which is kept here
        // under its own key: it is not the producer's result. A shared grant never carries one.
        const encode = isShared ? undefined : encodeInGrant(grant);
        const storeTaskId = encode === undefined ? input.taskId : `${input.taskId}\u0000encode:${JSON.stringify(encode)}`;
        // A value taken as a stream or a file is only stored (straight to disk when over the memory budget), never read whole.
        const materialize = as === "value" ? {} : { materialize: false };
        try {
          const fetchStarted = performance.now();
          const shared = isShared ? { isSharedGrant: true } : {};
          let outcome = await fetcher.fetch({ url: input.fetch.url, runId, taskId: input.taskId, grant, storeTaskId, ...materialize, ...shared });
          if (!outcome.ok && outcome.error.kind === "forbidden" && outcome.error.details.reason === "expired" && options.refreshGrant !== undefined) {
            const renewed = await renew(grant);
            if (renewed !== undefined) outcome = await fetcher.fetch({ url: renewed.url, runId, taskId: input.taskId, grant: renewed.grant, storeTaskId, ...materialize, ...shared });
          }
          if (outcome.ok) {
            if (outcome.fromStore !== true) transfers.push({ taskId: input.taskId, from: input.machine, bytes: outcome.size, ms: Math.round((performance.now() - fetchStarted) * 1000) / 1000, at: fetchStarted });
            if (as !== "value") return await storedInput(runId, storeTaskId, input.taskId, as, encode !== undefined);
            return { ok: true, value: outcome.value, isEncoded: encode !== undefined };
          }
          const refusal = outcome.error;
          if (refusal.kind === "encode_failed") return { ok: false, error: { kind: "function_failed", message: `edge encode of input "${input.taskId}": ${refusal.message}` } };
          return lost(`input "${input.taskId}" could not be fetched from ${input.machine}: ${refusal.message}`);
        } catch (error) {
          return lost(`input "${input.taskId}" could not be fetched from ${input.machine} at ${input.fetch.url}: ${describe(error)}`);
        }
      }
      if (!store.has(runId, input.taskId)) {
        const evicted = store.evictionReason(runId, input.taskId);
        const where = input.machine === machine ? "" : ` (the server placed it on ${input.machine} and sent no fetch grant)`;
        return lost(`input "${input.taskId}" is not stored on ${machine}${evicted === undefined ? "" : `: evicted (${evicted})`}${where}`);
      }
      if (as !== "value") return storedInput(runId, input.taskId, input.taskId, as, false);
      const value = await store.get(runId, input.taskId, { isShared: true });
      if (value === undefined) return lost(`input "${input.taskId}" was evicted from ${machine} while being read`);
      return { ok: true, value, isEncoded: false };
    };
  };

  const failed = (item: TaskAssignItem, error: TaskErrorJson, wallMs: number): TaskFinishedItem => ({
    ok: false,
    attemptId: item.attemptId,
    error: { kind: error.kind, message: error.message.length > MAX_ERROR_CHARS ? `${error.message.slice(0, MAX_ERROR_CHARS - 1)}…` : error.message },
    metrics: { wallMs },
  });

  const abortMessage = (reason: "cancelled" | "timeout"): TaskErrorJson =>
    reason === "timeout" ? { kind: "timeout", message: "the attempt timed out" } : { kind: "cancelled", message: "the attempt was cancelled" };

  const resolving = new Set<string>();
  const keep = (text: string): string => text;

  /** Runs the item; what waits here for its value (pre-assigned attempts) goes on once it settled. */
  async function run(item: TaskAssignItem): Promise<TaskFinishedItem> {
    try {
      return await runWithSecrets(item);
    } finally {
      producerWaits.settled(item.attemptId);
    }
  }

  /** One that refers to secrets gets their values first, and everything it reports is redacted. */
  async function runWithSecrets(item: TaskAssignItem): Promise<TaskFinishedItem> {
    const names = secretNamesOf(item);
    if (names.length === 0) return runCall(item, item, keep);
    if (options.resolveSecrets === undefined) return failed(item, { kind: "non_retryable", message: `this agent cannot resolve secrets (${names.join(", ")})` }, 0);
    if (resolving.has(item.attemptId)) return failed(item, { kind: "function_failed", message: `attempt ${item.attemptId} is already running on ${machine}` }, 0);
    resolving.add(item.attemptId);
    let resolved: Awaited<ReturnType<ResolveSecrets>>;
    try {
      resolved = await options.resolveSecrets(item.attemptId, names);
    } finally {
      resolving.delete(item.attemptId);
    }
    if (!resolved.ok) return failed(item, resolved.error, 0);
    const redact = createRedactor(resolved.values);
    return redactReport(await runCall(item, withSecrets(item, resolved.values), redact), redact);
  }

  async function runCall(item: TaskAssignItem, call: TaskAssignItem, redact: (text: string) => string): Promise<TaskFinishedItem> {
    let startedAt = performance.now();
    const elapsed = (): number => performance.now() - startedAt;
    if (pending.has(item.attemptId) || executor.running().includes(item.attemptId)) {
      return failed(item, { kind: "function_failed", message: `attempt ${item.attemptId} is already running on ${machine}` }, 0);
    }
    const state: Pending = { abortReason: undefined, stopFetching: () => undefined, isInPool: false };
    pending.set(item.attemptId, state);
    // Pre-assigned: held (outside the pool, its timeout not started) until its producers' values are stored here.
    const waits = producerWaitsOf(item.runId, item.inputs);
    if (waits !== undefined) {
      const stopped = new Promise<undefined>((resolve) => (state.stopFetching = () => resolve(undefined)));
      const waited = await Promise.race([producerWaits.wait(waits), stopped]);
      if (state.abortReason !== undefined || waited === undefined || !waited.ok) {
        pending.delete(item.attemptId);
        return failed(item, waited !== undefined && !waited.ok && state.abortReason === undefined ? waited.error : abortMessage(state.abortReason ?? "cancelled"), 0);
      }
      startedAt = performance.now(); // its timeout and timings count from here, as a queued attempt's from its start
    }
    // The agent enforces the task's timeout too (from the moment it received the item), not only the server.
    const timer = item.timeoutMs === undefined ? undefined : setLongTimeout(() => abort(item.attemptId, "timeout"), item.timeoutMs);
    // Where the function's result goes if it returns a stream of bytes (removed unless the store took it in).
    const outputPath = store.spoolPath();
    // Only a call that reached a worker and did not end with a stored plain value can have left a file there: removing
    // it after every attempt cost a tenth of the agent's CPU on no-op tasks (an `rm` walks the path with lstat).
    let mayHaveSpooled = false;
    try {
      // An abort while inputs are still being fetched ends the attempt at once; a shared download carries on.
      const abortedWhileFetching = new Promise<undefined>((resolve) => (state.stopFetching = () => resolve(undefined)));
      const transfers: Transfer[] = [];
      const takes = functions.get(item.fn)?.inputs;
      const inputs = await Promise.race([resolveInputs(call.inputs, getValue(item, transfers), (index) => inputDelivery(takes, index)), abortedWhileFetching]);
      const inputsMs = Math.round(elapsed() * 1000) / 1000;
      if (state.abortReason !== undefined || inputs === undefined) return failed(item, abortMessage(state.abortReason ?? "cancelled"), elapsed());
      if (!inputs.ok) return failed(item, inputs.error, elapsed());
      state.isInPool = true;
      mayHaveSpooled = true;
      const remainingMs = item.timeoutMs === undefined ? undefined : Math.max(1, item.timeoutMs - elapsed());
      clearLongTimeout(timer);
      const outcome = await executor.run(
        item.attemptId,
        { runId: item.runId, taskId: item.taskId, attempt: item.attempt, fn: item.fn, inputs: inputs.inputs, extraArgs: call.extraArgs, argumentInclusion: item.argumentInclusion, outputPath },
        {
          ...(remainingMs === undefined ? {} : { timeoutMs: remainingMs }),
          ...(item.slots === undefined ? {} : { slots: item.slots }),
          onLog: (log) => options.onLog({ attemptId: item.attemptId, ...log, message: redact(log.message) }),
        },
      );
      const beforeCallMs = Math.max(0, Math.round((elapsed() - outcome.metrics.wallMs) * 1000) / 1000);
      const finished = await report(item, outcome, transfers, { inputsMs, beforeCallMs }, outputPath);
      // A plain value never touches the spool; a streamed one is the store's file now when it was taken in.
      mayHaveSpooled = !(outcome.ok && (outcome.streamed === undefined || finished.ok));
      return finished;
    } catch (error) {
      return failed(item, { kind: "function_failed", message: `the agent could not run the attempt: ${describe(error)}` }, elapsed());
    } finally {
      clearLongTimeout(timer);
      pending.delete(item.attemptId);
      if (mayHaveSpooled) await rm(outputPath, { force: true }).catch(() => undefined); // a streamed result not taken in (failed, aborted)
    }
  }

  async function report(item: TaskAssignItem, outcome: JobOutcome, transfers: readonly Transfer[], timing: { readonly inputsMs: number; readonly beforeCallMs: number }, outputPath: string): Promise<TaskFinishedItem> {
    const metrics = {
      wallMs: outcome.metrics.wallMs,
      ...timing,
      ...(transfers.length === 0 ? {} : { transfers: transfers.slice(0, MAX_TRANSFERS).map(({ at: _at, ...transfer }) => transfer), fetched: summarize(transfers) }),
      ...(outcome.metrics.cpuMs === undefined ? {} : { cpuMs: outcome.metrics.cpuMs }),
      ...(outcome.metrics.heapUsedMb === undefined ? {} : { heapUsedMb: outcome.metrics.heapUsedMb }),
    };
    if (!outcome.ok) return { ...failed(item, { kind: outcome.kind, message: outcome.message }, outcome.metrics.wallMs), metrics };
    let preview: ReturnType<typeof previewValue>;
    try {
      if (outcome.streamed === undefined && !(outcome.value instanceof Uint8Array)) {
        // Encoded once for both the store and the preview.
        const json = encodeJsonWithPreview(outcome.value, PREVIEW_BYTES);
        preview = json.preview;
        await store.putBytes(item.runId, item.taskId, json.encoded.bytes, json.encoded.contentType);
      } else if (outcome.streamed === undefined) {
        preview = previewValue(outcome.value, PREVIEW_BYTES);
        await store.put(item.runId, item.taskId, outcome.value, { isOwned: true });
      } else {
        // Returned as a stream of bytes: the worker wrote it to `outputPath`; the store takes the file as it is.
        preview = previewBytesHead(outcome.streamed.head, outcome.streamed.size);
        await store.adoptFile(item.runId, item.taskId, outputPath, { contentType: ValueContentType.Binary, size: outcome.streamed.size });
      }
    } catch (error) {
      return { ...failed(item, { kind: "function_failed", message: `the function's result cannot be stored: ${describe(error)}` }, outcome.metrics.wallMs), metrics };
    }
    const meta = store.meta(item.runId, item.taskId);
    if (meta === undefined) return { ...failed(item, { kind: "result_lost", message: "the result was evicted as soon as it was stored" }, metrics.wallMs), metrics };
    return {
      ok: true,
      attemptId: item.attemptId,
      result: { size: meta.size, contentType: meta.contentType, preview: preview.preview, truncated: preview.truncated, ...(preview.exact ? { exact: true } : {}) },
      metrics,
    };
  }

  function abort(attemptId: string, reason: "cancelled" | "timeout"): boolean {
    const state = pending.get(attemptId);
    if (state === undefined) return false;
    state.abortReason ??= reason;
    if (state.isInPool) executor.abort(attemptId, reason);
    else state.stopFetching();
    return true;
  }

  return { run, abort, isRunning, running: () => [...pending.keys(), ...resolving] };
}

/** Every download of an attempt: how many, their bytes, and the span from the first one's start to the last one's end. */
function summarize(transfers: readonly Transfer[]): { count: number; bytes: number; ms: number } {
  let bytes = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const transfer of transfers) {
    bytes += transfer.bytes;
    first = Math.min(first, transfer.at);
    last = Math.max(last, transfer.at + transfer.ms);
  }
  return { count: transfers.length, bytes, ms: Math.round((last - first) * 1000) / 1000 };
}

/** The grant's `encode`, read without verifying (only the holder can verify; here it only names a cache key). */
function encodeInGrant(token: string): GrantEncode | undefined {
  const payload = token.split(".")[0] ?? "";
  try {
    const text = Buffer.from(payload, "base64url").toString("utf8");
    // Most grants carry no encode (the server writes keys as JSON.stringify does): skip the parse and the schema
    // (measured ~25 µs a grant, a quarter of a second for a 10,000-input sink).
    if (!text.includes('"encode":')) return undefined;
    const parsed = Grant.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.encode : undefined;
  } catch {
    return undefined;
  }
}

function lost(message: string): InputValue {
  return { ok: false, error: { kind: "result_lost", message } };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
