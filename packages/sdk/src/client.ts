import { createTRPCClient, httpBatchLink, httpLink, httpSubscriptionLink, splitLink, TRPCClientError, type Operation, type TRPCClient } from "@trpc/client";
import { EventSource } from "eventsource";
import { ApiErrorBody, toBytesJson, type DagFile, type JsonValue } from "@handoff/protocol";
import type { Resources, RunOptions, RunOutcome } from "@handoff/core";
import type { AppRouter, MachineView, RunView, WatchEvent } from "@handoff/api";
import { Dag } from "./dag-builder.ts";
import { failoverFetch } from "./failover-fetch.ts";

export interface ClientOptions {
  /** The server's origin, e.g. `http://127.0.0.1:4400`. */
  readonly url: string;
  /**
   * Replicas (issue #18): every server's origin (`url` is tried first). Calls move to another when one stops answering
   * or answers `not_leader`; see `failoverFetch`.
   */
  readonly urls?: readonly string[];
  /** An admin or user token. */
  readonly token: string;
}

export interface StartOptions extends RunOptions {
  /**
   * The same key (per token) within 24 h answers with the run it already started instead of starting
   * another: retry a call that timed out without running the DAG twice. 1–200 printable ASCII characters.
   */
  readonly idempotencyKey?: string;
  /** Values of the DAG's run parameters by name; the server checks them against their schemas before anything runs. */
  readonly params?: Readonly<Record<string, JsonValue>>;
}

export interface ExecuteOptions extends StartOptions {
  /** Bring results back as values instead of references (those over the server's limit stay references). */
  readonly materialize?: boolean;
}

/** How `execute(…, { materialize: true })` brought one result back: as its value, or as a reference (too large, or unavailable) and why. */
export type Materialized = { readonly as: "value" } | { readonly as: "reference"; readonly size?: number; readonly reason: string };

/** A run's outcome; with `materialize`, `materialized` says which results came back as values. */
export interface ExecuteOutcome extends RunOutcome {
  readonly materialized?: Readonly<Record<string, Materialized>>;
}

/**
 * Calls are batched into one request, at most `BATCH_MAX_ITEMS` calls and, since a call bigger than
 * `BATCH_ALONE_BYTES` goes alone, at most ~800 KiB: under the server's 1 MiB body limit (300 concurrent
 * `startRun` calls once made one batch the server refused).
 */
const BATCH_MAX_ITEMS = 25;
const BATCH_ALONE_BYTES = 32 * 1024;

function isLargeCall(op: Operation): boolean {
  if (op.input === undefined) return false;
  try {
    return JSON.stringify(op.input).length > BATCH_ALONE_BYTES;
  } catch {
    return true;
  }
}

export type DagInput = Dag | DagFile | { readonly name: string; readonly version?: number };

/** A result held on a machine: where it lives and what it looks like. */
export interface ResultReference {
  readonly machine: string;
  readonly size: number;
  readonly contentType: string;
  readonly preview: string;
  readonly truncated: boolean;
}

/**
 * Raised for refused calls, in the API's one error shape: `kind` from the error catalogue (`not_found`,
 * `result_lost`, `evicted`, `invalid_task`…; read it, never the message), `details` (for `result_lost`, the
 * `machine` and `lostAt` of the loss), `problems` the DAG's problems; `code` is the transport's (tRPC's
 * `NOT_FOUND`…, or `HTTP 409` on a raw route).
 */
export class HandoffApiError extends Error {
  override readonly name = "HandoffApiError";
  constructor(
    message: string,
    readonly code: string,
    readonly problems: readonly { kind: string; message: string; taskId?: string }[] = [],
    readonly details: Readonly<Record<string, unknown>> = {},
    readonly kind: string = "internal",
  ) {
    super(message);
  }
}

/** A tRPC client's error as the `HandoffApiError` it carries (kind, code, problems); any other error as it is. */
export function toApiError(error: unknown): Error {
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<AppRouter>).data as
      | { code?: string; kind?: string; details?: Record<string, unknown>; problems?: HandoffApiError["problems"] }
      | undefined;
    return new HandoffApiError(error.message, data?.code ?? "UNKNOWN", data?.problems ?? [], data?.details ?? {}, data?.kind ?? "internal");
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** A raw route's refusal (`{ error: ApiErrorBody }`) as a `HandoffApiError`. */
async function refusedResponse(response: Response): Promise<HandoffApiError> {
  const parsed = ApiErrorBody.safeParse(((await response.json().catch(() => ({}))) as { error?: unknown }).error);
  const code = `HTTP ${response.status}`;
  if (!parsed.success) return new HandoffApiError(`the server answered ${code}`, code);
  return new HandoffApiError(parsed.data.message, code, [], parsed.data.details ?? {}, parsed.data.kind);
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toApiError(error);
  }
}

/** The run's outcome when a watch batch carries its end. */
function finishedOutcome(events: Extract<WatchEvent, { type: "batch" }>["events"]): RunOutcome | null {
  for (const event of events) if (event.type === "finished") return event.outcome;
  return null;
}

function dagRef(dag: DagInput): { file: DagFile } | { name: string; version?: number } {
  if (dag instanceof Dag) return { file: dag.toJSON() };
  if ("format" in dag) return { file: dag };
  return dag.version === undefined ? { name: dag.name } : { name: dag.name, version: dag.version };
}

/**
 * The Handoff API from Node (or a browser): typed from the server's router. Live events stream over
 * server-sent events with the token in a header (Node 20 has no `EventSource`; the `eventsource` package does).
 *
 * @example
 * const handoff = createClient({ url: "http://127.0.0.1:4400", token });
 * const outcome = await handoff.execute(dag, { materialize: true });
 */
export function createClient(options: ClientOptions) {
  const base = options.url.replace(/\/+$/u, "");
  const authorization = `Bearer ${options.token}`;
  const others = (options.urls ?? []).map((url) => url.replace(/\/+$/u, "")).filter((url) => url !== base);
  // One server: the platform's fetch, exactly as before.
  const send: typeof fetch = others.length === 0 ? (input, init) => fetch(input, init) : failoverFetch([base, ...others]).fetch;
  const trpc: TRPCClient<AppRouter> = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: `${base}/api/trpc`,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input: string | URL | Request, init?: RequestInit) =>
              send(input, { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), authorization } }),
          }),
        }),
        false: splitLink({
          condition: isLargeCall,
          true: httpLink({ url: `${base}/api/trpc`, headers: () => ({ authorization }), fetch: send }),
          false: httpBatchLink({ url: `${base}/api/trpc`, headers: () => ({ authorization }), maxURLLength: 4000, maxItems: BATCH_MAX_ITEMS, fetch: send }),
        }),
      }),
    ],
  });

  const client = {
    /** The typed tRPC client, for calls this facade does not wrap. */
    trpc,

    /**
     * Runs a DAG on the cluster and resolves with its outcome (never rejects for a task's failure). With
     * `materialize`, results come back as values while they fit the server's limit (HANDOFF_MAX_MESSAGE_BYTES,
     * each and together); larger ones stay references with their size, and `materialized` says which.
     */
    execute: (dag: DagInput, opts: ExecuteOptions = {}): Promise<ExecuteOutcome> => {
      const { materialize, idempotencyKey, params, ...runOptions } = opts;
      return call(() =>
        trpc.runs.execute.mutate({
          dag: dagRef(dag),
          options: runOptions,
          ...(materialize === undefined ? {} : { materialize }),
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          ...(params === undefined ? {} : { params }),
        }),
      );
    },

    /** Like Handoff's `execute_local`: every task pinned to one machine (the server's local machine by default). */
    executeLocal: async (dag: DagInput, opts: ExecuteOptions & { readonly machine?: string } = {}): Promise<RunOutcome> => {
      const { machine, ...rest } = opts;
      const target = machine ?? (await client.localMachine());
      const ref = dagRef(dag);
      const file = "file" in ref ? ref.file : (await call(() => trpc.dags.get.query(ref))).file;
      const pinned: DagFile = {
        ...file,
        tasks: file.tasks.map((task) => (task.type === "inline" ? task : { ...task, placement: { kind: "pinned" as const, machine: target } })),
      };
      return client.execute(pinned, rest);
    },

    /** The machine whose agent runs beside the server, or the first online machine. */
    localMachine: async (): Promise<string> => {
      const machines = await client.discoverMachines();
      const chosen = machines.find((m) => m.local && m.status === "online") ?? machines.find((m) => m.status === "online");
      if (!chosen) throw new HandoffApiError("no machine is online", "PRECONDITION_FAILED");
      return chosen.name;
    },

    startRun: (dag: DagInput, opts: StartOptions = {}): Promise<{ runId: string }> => {
      const { idempotencyKey, params, ...runOptions } = opts;
      return call(() =>
        trpc.runs.start.mutate({
          dag: dagRef(dag),
          options: runOptions,
          ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          ...(params === undefined ? {} : { params }),
        }),
      );
    },

    cancelRun: (runId: string) => call(() => trpc.runs.cancel.mutate({ runId })),

    getRun: (runId: string): Promise<RunView> => call(() => trpc.runs.get.query({ runId })),

    listRuns: (input: { cursor?: string; limit?: number } = {}) => call(() => trpc.runs.list.query(input)),

    /**
     * Live events of a run: a snapshot first, then one `batch` per scheduler tick (every task change, log line and
     * the run's end of that tick, in order), until it finishes. Resolves when the run has finished (with its
     * outcome) or `signal` aborts.
     */
    watchRun: (runId: string, onMessage: (message: WatchEvent) => void, signal?: AbortSignal): Promise<RunOutcome | undefined> =>
      new Promise((resolve, reject) => {
        const subscription = trpc.runs.watch.subscribe(
          { runId },
          {
            onData: (tracked) => {
              const message = tracked.data;
              onMessage(message);
              const outcome = message.type === "snapshot" ? (message.run.finishedAt ? message.run.outcome : null) : finishedOutcome(message.events);
              if (outcome) {
                subscription.unsubscribe();
                resolve(outcome);
              }
            },
            onError: (error) => {
              subscription.unsubscribe();
              reject(toApiError(error));
            },
          },
        );
        signal?.addEventListener("abort", () => {
          subscription.unsubscribe();
          resolve(undefined);
        });
      }),

    /** Where a result lives; waits up to `timeoutMs` for it (rejects with `TIMEOUT` naming the task). */
    getResult: (runId: string, taskId: string, opts: { timeoutMs?: number } = {}): Promise<ResultReference> =>
      call(() => trpc.results.get.query({ runId, taskId, timeoutMs: opts.timeoutMs ?? 0 })),

    /** The value, from the machine that holds it (relayed by the server, streamed). Bytes come back as `Uint8Array`. */
    getValue: async (runId: string, taskId: string, opts: { fromMachine?: string } = {}): Promise<unknown> => {
      const query = opts.fromMachine ? `?fromMachine=${encodeURIComponent(opts.fromMachine)}` : "";
      const response = await send(`${base}/api/results/${encodeURIComponent(runId)}/${encodeURIComponent(taskId)}${query}`, { headers: { authorization } });
      if (!response.ok) throw await refusedResponse(response);
      const bytes = new Uint8Array(await response.arrayBuffer());
      return response.headers.get("content-type")?.startsWith("application/json") ? (JSON.parse(new TextDecoder().decode(bytes)) as unknown) : bytes;
    },

    /**
     * Recomputes a finished run's value from lineage (lost with its machine, or evicted): the server starts a new
     * run of the task and its upstream tasks, linked to the old run. Waits for it unless `wait: false`; once it
     * succeeded, `getValue(runId, taskId)` of the old run serves the recomputed value.
     *
     * @example
     * const { runId: recomputeRun, outcome } = await handoff.recompute(runId, "sink");
     * if (outcome?.status === "succeeded") await handoff.getValue(runId, "sink");
     */
    recompute: async (runId: string, taskId: string, opts: { wait?: boolean } = {}): Promise<{ runId: string; outcome?: RunOutcome }> => {
      const started = await call(() => trpc.results.recompute.mutate({ runId, taskId }));
      if (opts.wait === false) return started;
      const outcome = await client.watchRun(started.runId, () => undefined);
      return outcome === undefined ? started : { ...started, outcome };
    },

    /**
     * Runs a finished run again. Without `from`, the whole DAG. With `from: "failed"`, a re-run from failure: the new
     * run (linked to the old one) reuses the old run's succeeded results where they are — no recompute, no copy — and
     * runs the tasks that did not succeed and everything downstream; `from: [taskIds]` runs those and what is
     * downstream instead. Answers what it reused and what it runs; waits for the outcome only with `wait: true`.
     *
     * @example
     * const { runId: again, reused } = await handoff.rerun(runId, { from: "failed" });
     */
    rerun: async (runId: string, opts: { from?: "failed" | readonly string[]; wait?: boolean } = {}) => {
      const started = await call(() => trpc.runs.rerun.mutate({ runId, ...(opts.from === undefined ? {} : { from: opts.from === "failed" ? "failed" : [...opts.from] }) }));
      if (opts.wait !== true) return started;
      const outcome = await client.watchRun(started.runId, () => undefined);
      return outcome === undefined ? started : { ...started, outcome };
    },

    /** Stores a value on a named machine and records where it lives (admin). */
    storeResult: (runId: string, taskId: string, value: unknown, opts: { machine: string }) =>
      call(() =>
        trpc.results.store.mutate({
          runId,
          taskId,
          machine: opts.machine,
          value: value instanceof Uint8Array ? toBytesJson(value) : value,
        }),
      ),

    lookupDataLocation: async (runId: string, taskId: string): Promise<string | null> => (await call(() => trpc.results.lookup.query({ runId, taskId }))).machine,

    /** Records that a machine holds a result (admin). */
    registerDataLocation: (runId: string, taskId: string, machine: string) => call(() => trpc.results.registerLocation.mutate({ runId, taskId, machine })),

    /** Sets a machine's capacity; it stays offline until an agent connects under that name. Live claims are kept. */
    registerMachine: (name: string, capacity: Resources): Promise<MachineView> => call(() => trpc.machines.register.mutate({ name, capacity })),

    resourcesAvailable: async (name: string, request: Resources): Promise<boolean> => (await call(() => trpc.machines.resourcesAvailable.query({ name, request }))).available,

    discoverMachines: (): Promise<MachineView[]> => call(() => trpc.machines.list.query()),
  };
  return client;
}

export type HandoffClient = ReturnType<typeof createClient>;
