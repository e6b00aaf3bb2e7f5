import { hostname } from "node:os";
import { join } from "node:path";
import { machineSlots } from "@handoff/core";
import { previewValue, type AgentWelcome, type FunctionMeta, type HeldResult } from "@handoff/protocol";
import { keepLastFew } from "@handoff/protocol/last-few";
import { signFetchProof, signHelloProof } from "@handoff/protocol/machine-identity";
import { AGENT_VERSION } from "./agent-version.ts";
import { connectToServer, type AgentLog, type ConnectionFatal, type ConnectionOptions } from "./connection.ts";
import { createAttemptRunner } from "./executor/attempt-runner.ts";
import { createExecutor } from "./executor/executor.ts";
import { createShippedFunctions } from "./functions/shipped-functions.ts";
import { createInProcessExecutor } from "./executor/in-process-executor.ts";
import { detectCapacity } from "./machine/detect-capacity.ts";
import { defaultAgentDataDir } from "./identity/agent-data-dir.ts";
import { loadMachineIdentity } from "./identity/machine-identity.ts";
import { createLoadSampler, type MachineLoad } from "./machine/load-sampler.ts";
import { defaultMemoryBudgetBytes } from "./results/memory-budget.ts";
import type { FetchProver } from "./results/fetch-result.ts";
import { createResultFetcher } from "./results/result-fetcher.ts";
import { startResultServer, type ResultServer } from "./results/result-server.ts";
import { createResultStore } from "./results/result-store.ts";
import { createReusePins } from "./results/reuse-pins.ts";
import { advertisedResultUrl, localAddressTowards } from "./result-url.ts";

/** Finished results re-announced at each hello (see `finishedInFlight`), and the preview length they carry. */
const MAX_HELD = 1000;
const HELD_PREVIEW_CHARS = 512;
const shortPreview = (preview: string): string => (preview.length > HELD_PREVIEW_CHARS ? preview.slice(0, HELD_PREVIEW_CHARS) : preview);

export type AgentOptions = {
  readonly serverUrl: string;
  /** Replicas: every server URL in order (`serverUrl` first); the connection moves to the next when one stops answering. */
  readonly serverUrls?: readonly string[];
  /** A join token from the server: needed for the first join only (then the machine's identity key is its credential). */
  readonly token?: string;
  /** The machine's name in the cluster (default: the hostname). */
  readonly name?: string;
  /** Resources to announce, merged over the detected `cpu`, `memory` (MB) and `slots` (given keys win). */
  readonly capacity?: Readonly<Record<string, number>>;
  /** Function modules (`.ts`, `.mts`, `.mjs`, `.js`) offered besides the standard library. */
  readonly functions?: readonly string[];
  /**
   * Load the function bundles the server ships for a run (`--fetch-functions`): code any admin pushed runs on this
   * machine. Off by default (see SECURITY.md, "Shipped functions").
   */
  readonly fetchFunctions?: boolean;
  /**
   * The machine's private data dir: its identity key (`identity.key`, 0600) and spilled results (`results/`).
   * Default `$XDG_DATA_HOME/handoff/agent/<name>` or `~/.local/share/handoff/agent/<name>`; refused when another user
   * owns it or can write to it.
   */
  readonly dataDir?: string;
  readonly memoryBudgetMb?: number;
  readonly diskBudgetMb?: number;
  readonly retentionMs?: number;
  /** Host the result server binds (default: the local address this machine reaches the server from — loopback for a server on loopback). */
  readonly resultHost?: string;
  /** Port of the result server (default: any free port). */
  readonly resultPort?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly log?: AgentLog;
  /** The server refused this agent for good (bad token…). Default: log it; the agent stops either way. */
  readonly onFatal?: (error: ConnectionFatal) => void;
  /**
   * Run functions on the agent's own thread with the standard library only (no worker threads, no modules): what
   * `--simulate` uses to hold many machines in one process.
   */
  readonly inProcess?: boolean;
  /**
   * Attempts taken beyond the free slots (assign-ahead: queued here, started as slots free, so a worker never waits
   * for the server between two attempts). Default: as many as the slots; 0 takes only what fits now.
   */
  readonly aheadDepth?: number;
  /**
   * Announce pre-assignment (default true with assign-ahead on): the server may assign a dependent here as soon as its
   * producer is, and this agent starts it once the producer's value is stored, without a round trip. False: never.
   */
  readonly preAssign?: boolean;
  /** Measures the host's load for heartbeats (default: a sampler of its own; machines simulated on one host share one). */
  readonly sampleLoad?: () => MachineLoad;
  readonly connection?: Pick<ConnectionOptions, "flushDelayMs" | "maxBatchItems" | "reconnectDelayMs" | "reconnectDelayMaxMs" | "helloTimeoutMs">;
};

export type RunningAgent = {
  readonly name: string;
  /** The machine's identity (base64url SPKI Ed25519), as the server binds it. */
  readonly publicKey: string;
  readonly dataDir: string;
  readonly resultUrl: string;
  readonly capacity: Readonly<Record<string, number>>;
  /** The standard library plus the modules' functions, as announced. */
  readonly catalogue: readonly FunctionMeta[];
  /** The first welcome; rejects when the server refuses this agent for good. */
  readonly welcomed: Promise<AgentWelcome>;
  /** Cancels running attempts, disconnects, closes the result server and the worker pool. */
  stop(): Promise<void>;
};

const MB = 1024 * 1024;
/** An edge's encode step run for another agent's fetch has no task timeout of its own; this bounds it. */
const HOLDER_ENCODE_TIMEOUT_MS = 5 * 60_000;

/**
 * Starts an agent: the worker pool with the function modules loaded, the result store and result server, then the
 * connection to the server (which keeps reconnecting until `stop()` or a fatal refusal). Resolves once everything
 * local is up; `welcomed` tells when the server has accepted it.
 * @example
 * const agent = await startAgent({ serverUrl: "http://server:3000", token, functions: ["./fns/image.ts"] });
 * await agent.welcomed;
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const name = options.name ?? hostname();
  const log: AgentLog = options.log ?? ((level, message) => console[level === "info" ? "log" : level](`[agent ${name}] ${message}`));
  const dataDir = options.dataDir ?? defaultAgentDataDir(name, process.env);
  const identity = loadMachineIdentity(dataDir);
  if (identity.isNew) log("info", `created this machine's identity key in ${dataDir}`);
  const capacity = detectCapacity(options.capacity);
  const slots = machineSlots(capacity);
  // The worker pool queues what it is given and starts it as slots free (the in-process executor has no such queue).
  const aheadDepth = options.inProcess === true ? 0 : Math.max(0, Math.min(options.aheadDepth ?? slots, slots));

  if (options.inProcess === true && (options.functions?.length ?? 0) > 0) throw new Error("an in-process agent offers the standard library only: it loads no function modules");
  const executor =
    options.inProcess === true
      ? createInProcessExecutor({ machine: name, slots })
      : await createExecutor({ modules: options.functions ?? [], slots, machine: name, onProblem: (message) => log("error", message) });
  const store = createResultStore({
    dir: join(dataDir, "results"),
    memoryBudgetBytes: options.memoryBudgetMb === undefined ? defaultMemoryBudgetBytes() : options.memoryBudgetMb * MB,
    diskBudgetBytes: (options.diskBudgetMb ?? 10_240) * MB,
    retentionMs: options.retentionMs ?? 24 * 3_600_000,
    // `connection` exists by the time anything is evicted (evictions run on timers and later puts).
    onEvicted: (runId, taskId, reason) => connection.sendEvicted({ runId, taskId, reason }),
  });
  let welcome: AgentWelcome | undefined;
  const machine = (): string => welcome?.machine ?? name;

  const bindHost = options.resultHost ?? (await localAddressTowards(options.serverUrl));
  let resultServer: ResultServer;
  try {
    resultServer = await startResultServer({
      store,
      secret: () => welcome?.grantSecret,
      machine,
      host: bindHost,
      port: options.resultPort ?? 0,
      encode: async ({ runId, taskId, encode, value, holder, audience }) => {
        const outcome = await executor.transform(
          { runId, taskId, fn: encode.fn, args: encode.args ?? [], value, source: holder, target: audience },
          { timeoutMs: HOLDER_ENCODE_TIMEOUT_MS },
        );
        return outcome.ok ? { ok: true, value: outcome.value } : { ok: false, message: outcome.message };
      },
    });
  } catch (error) {
    await executor.close();
    throw error;
  }
  const resultUrl = advertisedResultUrl(bindHost, Number(new URL(resultServer.url).port));

  const shipped = createShippedFunctions({
    dir: join(dataDir, "functions"),
    localModules: options.functions ?? [],
    reload: (modules) => executor.reload(modules),
    fetchBundle: (hash) => connection.fetchBundle(hash),
    log,
  });

  // Signed in the version each grant says its holder accepts (2: over the grants' digest; 1 for older holders).
  const prove: FetchProver = (subject) => signFetchProof(identity.privateKey, subject, Date.now());
  const runner = createAttemptRunner({
    machine: name,
    store,
    fetcher: createResultFetcher({ store, prove }),
    executor,
    onLog: (item) => connection.sendLog(item),
    refreshGrant: (grant) => connection.refreshGrant(grant),
    resolveSecrets: (attemptId, names) => connection.resolveSecrets(attemptId, names),
  });
  const sampleLoad = options.sampleLoad ?? createLoadSampler();
  const evictTimer = setInterval(() => void store.evictExpired().catch((error: unknown) => log("error", `evicting expired results failed: ${String(error)}`)), 60_000);
  evictTimer.unref();

  // What this agent finished for runs still in flight, re-announced at every hello: a server that died before
  // writing a report adopts the result instead of running the task again. Bounded: the oldest are forgotten.
  const finishedInFlight = new Map<string, HeldResult>();
  const rememberFinished = (held: HeldResult): void => void keepLastFew(finishedInFlight, held.attemptId, held, MAX_HELD);

  let settleWelcome: { resolve: (welcome: AgentWelcome) => void; reject: (error: Error) => void } | undefined;
  const welcomed = new Promise<AgentWelcome>((resolve, reject) => (settleWelcome = { resolve, reject }));
  welcomed.catch(() => undefined); // a caller that never looks at it must not see an unhandled rejection

  let isStopped = false;
  const reusePins = createReusePins();
  const connection = connectToServer({
    serverUrl: options.serverUrl,
    ...(options.serverUrls === undefined ? {} : { serverUrls: options.serverUrls }),
    ...(options.token === undefined ? {} : { token: options.token }),
    identify: (challenge, helloName) => ({
      publicKey: identity.publicKey,
      signature: signHelloProof(identity.privateKey, { context: challenge.context, nonce: challenge.nonce, name: helloName }),
    }),
    ...options.connection,
    log,
    hello: () => ({
      name,
      capacity,
      functions: [...executor.catalogue],
      agentVersion: AGENT_VERSION,
      resultUrl,
      running: runner.running(),
      labels: { ...options.labels },
      held: [...finishedInFlight.values()].filter((held) => store.has(held.runId, held.taskId)),
      storeId: store.id,
      ...(options.fetchFunctions === true ? { fetchesFunctions: true } : {}),
      aheadDepth,
      ...(aheadDepth > 0 && options.preAssign !== false ? { preAssign: true } : {}),
      fetchProofs: [...resultServer.proofVersions],
    }),
    heartbeat: () => ({ ...sampleLoad(), running: runner.running() }),
    onWelcome: (accepted) => {
      welcome = accepted;
      log("info", `joined ${connection.currentUrl()} as ${accepted.machine} (${executor.catalogue.length} functions, ${slots} slots, results at ${resultUrl})`);
      settleWelcome?.resolve(accepted);
    },
    ...(options.fetchFunctions === true ? { onFunctionsLoad: (load) => shipped.load(load) } : {}),
    onAssign: (item) => {
      // A repeated assignment (e.g. re-sent after a reconnect) is already running here and will report once.
      if (runner.isRunning(item.attemptId)) return log("info", `assignment of ${item.attemptId} ignored: it is already running here`);
      void runner.run(item).then((report) => {
        // A run's values (its results and the inputs fetched for it) stay until the server says it ended.
        if (report.ok) {
          store.pin(item.runId);
          const isCut = report.result.preview.length > HELD_PREVIEW_CHARS;
          const { exact: _exact, ...result } = report.result;
          rememberFinished({ attemptId: item.attemptId, runId: item.runId, taskId: item.taskId, result: { ...result, preview: shortPreview(report.result.preview), truncated: report.result.truncated || isCut, ...(report.result.exact === true && !isCut ? { exact: true } : {}) } });
        }
        connection.sendFinished(report);
      });
    },
    onAbort: ({ attemptId, reason }) => {
      if (!runner.abort(attemptId, reason)) log("info", `abort for ${attemptId} ignored: it is not running here`);
    },
    onRunEnded: (runId) => {
      for (const [attemptId, held] of finishedInFlight) if (held.runId === runId) finishedInFlight.delete(attemptId);
      for (const kept of [runId, ...reusePins.ended(runId)]) void store.unpin(kept).catch((error: unknown) => log("error", `unpinning ${kept} failed: ${String(error)}`));
    },
    onResultsPin: ({ runId, keep }) => {
      for (const kept of reusePins.pin(runId, keep)) store.pin(kept);
    },
    onResultPut: async ({ runId, taskId, value }) => {
      try {
        await store.put(runId, taskId, value);
        const meta = store.meta(runId, taskId);
        const preview = previewValue(value, 4096);
        return { ok: true, result: { size: meta?.size ?? preview.sizeBytes, contentType: meta?.contentType ?? "application/json", preview: preview.preview, truncated: preview.truncated, ...(preview.exact ? { exact: true } : {}) } };
      } catch (error) {
        return { ok: false, error: { kind: "invalid_message", message: `cannot store ${runId}/${taskId}: ${(error as Error).message}` } };
      }
    },
    onFatal: (error) => {
      log("error", error.message);
      settleWelcome?.reject(Object.assign(new Error(error.message), { kind: error.kind }));
      options.onFatal?.(error);
      void stop();
    },
  });

  async function stop(): Promise<void> {
    if (isStopped) return;
    isStopped = true;
    clearInterval(evictTimer);
    connection.close();
    await executor.close();
    await resultServer.close();
    settleWelcome?.reject(new Error("the agent stopped before the server welcomed it"));
  }

  return { name, publicKey: identity.publicKey, dataDir, resultUrl, capacity, catalogue: executor.catalogue, welcomed, stop };
}
