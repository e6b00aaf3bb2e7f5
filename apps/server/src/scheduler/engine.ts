import { randomBytes, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import {
  allocate,
  checkFeasibility,
  functionCatalogue,
  createSchedulerState,
  decide,
  fits,
  neededFunctions,
  validateDag,
  type DagProblem,
  type DagSpec,
  type InputRef,
  type MachineInfo,
  type Resources,
  type RunOptions,
  type RunOutcome,
  type SchedulerCommand,
  type SchedulerEvent,
  type SchedulerState,
  type Strategy,
  type TaskChange,
} from "@handoff/core";
import type { AttemptChange, ChangeBatch, Database, InFlightRun, LostStore, RunChange, TaskChange as TaskRow, TokenKind } from "@handoff/db";
import { DagFile, clearLongTimeout, setLongTimeout, toDagSpec, validateJsonSchema, type LongTimeout } from "@handoff/protocol";
import { SERVER_AUDIENCE, signGrant } from "@handoff/protocol/grant";
import type {
  AgentHeartbeat,
  AgentHello,
  AgentWelcome,
  FunctionMeta,
  ResultMeta,
  TaskAssignItem,
  TaskFinishedItem,
  ResultEvictedItem,
  TaskLogItem,
  WireInput,
} from "@handoff/protocol";
import type { Logger } from "../log.ts";
import { admitMachine, type AdmissionRefusal } from "../machines/admit-machine.ts";
import { holderUrl } from "../machines/holder-url.ts";
import { Metrics } from "./metrics.ts";
import { lookupResult, refFromRow, resultKey } from "./result-lookup.ts";
import { reconcileStore } from "./store-reconcile.ts";

/** What a succeeded attempt leaves behind in the cluster: a reference, the value stays on `machine`. */
export interface ResultRef extends ResultMeta {
  readonly machine: string;
  /** Set when the holder dropped the value (retention or disk budget). */
  readonly evicted?: "retention" | "disk_budget";
  /** The holder's result store instance when the result was recorded. */
  readonly storeId?: string;
  /** Set when the value was lost with its machine (it came back with a new result store). */
  readonly lost?: { readonly at: number; readonly machine: string };
  /** The run the holder keeps the value under, when it is not the one asked about (a recompute run). */
  readonly heldUnder?: string;
  /** A lost value being recomputed: the recompute run. */
  readonly recomputedBy?: string;
}

/** The server side of one connected agent. `send` is the socket (absent while offline). */
export interface AgentLink {
  send(event: "task:assign" | "task:abort" | "run:ended" | "machine:forgotten", payload: unknown): void;
  request(event: "result:put", payload: unknown, timeoutMs: number): Promise<unknown>;
  disconnect(reason: string): void;
}

export interface LiveMachine {
  readonly name: string;
  capacity: Resources;
  labels: Record<string, string>;
  functions: FunctionMeta[];
  status: "online" | "offline" | "draining";
  agentVersion: string | null;
  /** Where the server and other agents reach its results: socket address (or the admin's override) + announced port. */
  resultUrl: string | null;
  link: AgentLink | undefined;
  /** The identity bound to the name (base64url SPKI Ed25519); null until the first join or once forgotten. */
  publicKey: string | null;
  identitySince: number | null;
  /** An admin's override of the host the machine is reached at. */
  addressOverride: string | null;
  /** The remote address of the agent's socket and the result port it announced (the parts of `resultUrl`). */
  socketAddress: string | null;
  resultPort: number | null;
  grantSecret: string;
  /** The agent's result store instance, from its hello (null until one says it). */
  storeId: string | null;
  lastHeartbeatAt: number | null;
  cpuPercent: number | null;
  memoryUsedMb: number | null;
  memoryTotalMb: number | null;
  readonly running: Set<string>;
}

export type RunEvent =
  | { readonly type: "task"; readonly change: TaskChangeView }
  | { readonly type: "log"; readonly log: LogView }
  | { readonly type: "finished"; readonly outcome: RunOutcome };

export interface TaskChangeView {
  readonly taskId: string;
  readonly state: string;
  readonly at: number;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly machine?: string;
  readonly reason?: string;
  /** While retrying after a backoff: when (epoch ms) the next attempt may start. */
  readonly retryAt?: number;
  readonly error?: { readonly kind: string; readonly message: string };
  readonly result?: ResultRef;
}

export interface LogView {
  readonly id: number | null;
  readonly taskId: string | null;
  readonly attemptId: string | null;
  readonly level: string;
  readonly message: string;
  readonly at: string;
}

export interface SubmitRequest {
  readonly dag: DagSpec;
  /** The DAG file as given (stored with the run so the dashboard can draw it). */
  readonly file: unknown;
  readonly options: RunOptions;
  readonly startedBy: string | null;
  readonly dagId: string | null;
  readonly dagVersion: number | null;
  /** The DAG file's name, stored for filtering runs. */
  readonly dagName?: string | null;
  /** The run this one is started from, and why (`recompute`: the lineage of a lost value). */
  readonly parentRunId?: string;
  readonly reason?: "recompute";
  /** Scoped idempotency key (see api/idempotent-start.ts); a taken key fails the insert, nothing dispatched. */
  readonly idempotencyKey?: string | null;
}

export class RunRejectedError extends Error {
  override readonly name = "RunRejectedError";
  constructor(readonly problems: readonly DagProblem[]) {
    super(`the DAG was rejected: ${problems.map((problem) => problem.message).join("; ")}`);
  }
}

export interface EngineOptions {
  readonly db: Database;
  readonly log: Logger;
  readonly localMachine?: string;
  readonly noMachineGraceMs: number;
  readonly machineTimeoutMs: number;
  readonly heartbeatMs: number;
  /** Write-behind: how long changes may wait to share a transaction (default 50 ms). */
  readonly writeDelayMs?: number;
  /** Grants for result fetches live this long. */
  readonly grantTtlMs?: number;
  /** After a restart: the longest wait for the machines of in-flight runs before resuming them (default 30 s). */
  readonly resumeGraceMs?: number;
}

/** One sample of a machine's load, taken every second (the cluster page's charts). */
export interface LoadSample {
  readonly at: number;
  readonly capacity: Record<string, number>;
  readonly claimed: Record<string, number>;
  readonly cpuPercent: number | null;
  readonly memoryUsedMb: number | null;
  readonly memoryTotalMb: number | null;
  readonly running: number;
}

/** Grants are short-lived; an attempt that waits past one asks for a fresh one (`grant:refresh`). */
const DEFAULT_GRANT_TTL_MS = 2 * 60_000;

/** 15 minutes at one sample a second. */
const HISTORY_SAMPLES = 900;

/** A finished report that arrived for an attempt of a run still waiting to be resumed. */
type HeldReport = { readonly machine: string; readonly runId: string; readonly taskId: string; readonly item: TaskFinishedItem; readonly storeId?: string };

/** `runId/taskId#n` → its parts (the core's attempt ids). */
function attemptParts(attemptId: string): { runId: string; taskId: string; number: number } | undefined {
  const slash = attemptId.indexOf("/");
  const hash = attemptId.lastIndexOf("#");
  if (slash <= 0 || hash <= slash) return undefined;
  const number = Number(attemptId.slice(hash + 1));
  return Number.isInteger(number) && number > 0 ? { runId: attemptId.slice(0, slash), taskId: attemptId.slice(slash + 1, hash), number } : undefined;
}


/**
 * The scheduler service: the only writer of run state. It feeds events to the core's `decide`, carries
 * out the commands (send to agents, persist, publish) and batches database writes per tick.
 */
export class Engine {
  readonly state: SchedulerState;
  readonly machines = new Map<string, LiveMachine>();
  readonly metrics = new Metrics();
  private readonly db: Database;
  private readonly log: Logger;
  private readonly events = new EventEmitter();
  private readonly waiters = new Map<string, ((outcome: RunOutcome) => void)[]>();
  private readonly outcomes = new Map<string, RunOutcome>();
  private readonly results = new Map<string, ResultRef>();
  private readonly resultWaiters = new Map<string, Set<(ref: ResultRef) => void>>();
  /** Attempts started and not yet closed in the database: attemptId → what we know. */
  private readonly openAttempts = new Map<string, { runId: string; taskId: string; number: number; machine: string; startedAt: number }>();
  private readonly attemptMetrics = new Map<string, unknown>();
  /** Why an attempt ended, as reported or observed (the core's task change does not always carry it). */
  private readonly attemptErrors = new Map<string, { kind: string; message: string }>();
  /** Closed attempts, kept a minute so their late log lines still find their task. */
  private readonly recentAttempts = new Map<string, { runId: string; taskId: string; machine: string; closedAt: number }>();
  private readonly assignTimes = new Map<string, number>();
  private pendingAssigns = new Map<string, TaskAssignItem[]>();
  private pending: { runs: RunChange[]; tasks: TaskRow[]; attempts: AttemptChange[]; lostStores: LostStore[]; logs: Parameters<Database["logs"]["append"]>[0][number][] } = {
    runs: [],
    tasks: [],
    attempts: [],
    lostStores: [],
    logs: [],
  };
  private flushScheduled = false;
  private writing: Promise<void> = Promise.resolve();
  private writerBusy = false;
  private writeTimer: LongTimeout | undefined;
  private timer: LongTimeout | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private heartbeatsToWrite = new Set<string>();
  private closed = false;
  /** Runs left in flight by the previous server process, waiting for their machines before they resume. */
  private resuming = new Map<string, InFlightRun>();
  /** Attempts of those runs that were running at the restart → the machine that ran them. */
  private heldAttempts = new Map<string, string>();
  private heldReports = new Map<string, HeldReport>();
  /** Held attempts their returning agents say they are still running: adopted when the run resumes. */
  private heldRunning = new Map<string, string>();
  private cancelAfterResume = new Map<string, string>();
  private resumeTimer: LongTimeout | undefined;
  private settleTimer: LongTimeout | undefined;
  private readonly history = new Map<string, LoadSample[]>();
  private lastSampleAt = 0;

  constructor(private readonly options: EngineOptions) {
    this.db = options.db;
    this.log = options.log;
    this.events.setMaxListeners(0);
    this.state = createSchedulerState({
      ...(options.localMachine === undefined ? {} : { localMachine: options.localMachine }),
      noMachineGraceMs: options.noMachineGraceMs,
    });
  }

  /**
   * Loads the registry and the runs a previous server process left in flight. Those resume once their
   * machines are back (or after the resume grace period): see `resumeRuns`.
   */
  async start(): Promise<void> {
    for (const inFlight of await this.db.runs.listInFlight()) {
      this.resuming.set(inFlight.run.id, inFlight);
      for (const attempt of inFlight.attempts) {
        if (attempt.state === "running" && attempt.machine !== null) this.heldAttempts.set(attempt.id, attempt.machine);
      }
    }
    if (this.resuming.size > 0) {
      this.log.warn("runs in flight at the previous shutdown will resume", { runs: [...this.resuming.keys()], graceMs: this.options.resumeGraceMs ?? 30_000 });
      this.resumeTimer = setLongTimeout(() => void this.resumeRuns("grace period over"), this.options.resumeGraceMs ?? 30_000);
      this.resumeTimer.unref();
    }
    await this.db.machines.markAllOffline();
    for (const record of await this.db.machines.list()) {
      const machine = this.newMachine(record.name, record.capacity, record.status === "draining" ? "draining" : "offline");
      machine.labels = record.labels;
      machine.functions = Array.isArray(record.functions) ? (record.functions as FunctionMeta[]) : [];
      machine.agentVersion = record.agentVersion;
      machine.resultUrl = record.resultUrl;
      machine.publicKey = record.publicKey;
      machine.identitySince = record.identitySince?.getTime() ?? null;
      machine.addressOverride = record.addressOverride;
      machine.lastHeartbeatAt = record.lastHeartbeatAt?.getTime() ?? null;
      this.machines.set(machine.name, machine);
      this.announce(machine);
    }
    this.watchdog = setInterval(() => this.checkHeartbeats(), Math.max(50, Math.min(this.options.heartbeatMs, 1000)));
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.resumeTimer) clearLongTimeout(this.resumeTimer);
    if (this.settleTimer) clearLongTimeout(this.settleTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.timer) clearLongTimeout(this.timer);
    for (const machine of this.machines.values()) machine.link?.disconnect("server shutting down");
    await this.flushed();
  }

  // ---- machines ------------------------------------------------------------------------------

  private newMachine(name: string, capacity: Resources, status: LiveMachine["status"]): LiveMachine {
    return {
      name,
      capacity: withSlots(capacity),
      labels: {},
      functions: [],
      status,
      agentVersion: null,
      resultUrl: null,
      link: undefined,
      publicKey: null,
      identitySince: null,
      addressOverride: null,
      socketAddress: null,
      resultPort: null,
      grantSecret: randomBytes(32).toString("base64url"),
      storeId: null,
      lastHeartbeatAt: null,
      cpuPercent: null,
      memoryUsedMb: null,
      memoryTotalMb: null,
      running: new Set(),
    };
  }

  private announce(machine: LiveMachine): void {
    this.dispatch({
      type: "machine_joined",
      now: Date.now(),
      machine: { name: machine.name, capacity: machine.capacity, functions: machine.functions.map((fn) => fn.name), status: machine.status },
    });
  }

  /**
   * An agent said hello and proved `hello.identity.publicKey` (the gateway checked the signature): admit it by its
   * identity (or bind a new one with a join token), replace an older connection of the same identity at once,
   * (re)register the machine, bring it online, and welcome it. A refusal changes nothing and disconnects no one.
   */
  async connectAgent(
    hello: AgentHello,
    link: AgentLink,
    connection: { readonly hasJoinToken: boolean; readonly address: string; readonly resultPort: number },
  ): Promise<{ ok: true; welcome: AgentWelcome } | AdmissionRefusal> {
    const existing = this.machines.get(hello.name);
    const presentedKey = hello.identity.publicKey;
    const admission = admitMachine({ name: hello.name, boundKey: existing?.publicKey ?? null, presentedKey, hasJoinToken: connection.hasJoinToken });
    if (!admission.ok) {
      this.log.warn("agent refused", { machine: hello.name, kind: admission.kind, address: connection.address });
      return admission;
    }
    if (admission.isNewIdentity) {
      const claimed = existing ?? this.newMachine(hello.name, hello.capacity, "offline");
      claimed.publicKey = presentedKey; // in memory first: a concurrent hello for the same name sees it bound
      claimed.identitySince = Date.now();
      this.machines.set(claimed.name, claimed);
      if ((await this.db.machines.bindIdentity(hello.name, presentedKey, new Date(claimed.identitySince))) === "taken") {
        return { ok: false, kind: "forbidden", message: `machine "${hello.name}" belongs to another identity` };
      }
      this.log.info("machine identity bound", { machine: hello.name });
    }
    if (existing?.link && existing.link !== link) {
      existing.link.disconnect(`replaced by a new connection for machine "${hello.name}"`);
    }
    const machine = this.machines.get(hello.name) ?? this.newMachine(hello.name, hello.capacity, "online");
    machine.capacity = withSlots(hello.capacity);
    machine.labels = hello.labels;
    machine.functions = hello.functions;
    machine.agentVersion = hello.agentVersion;
    machine.socketAddress = connection.address;
    machine.resultPort = connection.resultPort;
    machine.resultUrl = this.resultUrlOf(machine);
    machine.link = link;
    machine.grantSecret = randomBytes(32).toString("base64url");
    machine.lastHeartbeatAt = Date.now();
    if (machine.status === "offline") machine.status = "online";
    this.machines.set(machine.name, machine);
    await this.db.machines.register({
      name: machine.name,
      capacity: machine.capacity,
      labels: machine.labels,
      functions: machine.functions,
      status: machine.status,
      agentVersion: machine.agentVersion,
      resultUrl: machine.resultUrl,
      lastHeartbeatAt: new Date(machine.lastHeartbeatAt),
    });
    // Attempts the agent still runs but the scheduler no longer knows (fenced): stop them.
    // Results it finished for runs waiting to resume: adopted then (the old server may not have written them).
    for (const held of hello.held) {
      if (!this.resuming.has(held.runId) || this.heldReports.has(held.attemptId)) continue;
      this.heldReports.set(held.attemptId, { machine: machine.name, runId: held.runId, taskId: held.taskId, item: { ok: true, attemptId: held.attemptId, result: held.result, metrics: { wallMs: 0 } }, ...(hello.storeId === undefined ? {} : { storeId: hello.storeId }) });
    }
    for (const attemptId of hello.running) {
      const parts = this.resuming.size === 0 ? undefined : attemptParts(attemptId);
      if (parts && this.resuming.has(parts.runId)) {
        this.heldRunning.set(attemptId, machine.name); // adopted when its run resumes
        continue;
      }
      const record = this.state.attempts.get(attemptId);
      if (!record || record.machine !== machine.name) link.send("task:abort", { v: 1, attemptId, reason: "cancelled" });
    }
    this.reconcileStore(machine, hello.storeId);
    this.announce(machine);
    if (this.resuming.size > 0) this.maybeResumeEarly();
    this.log.info("machine online", { machine: machine.name, capacity: machine.capacity, functions: machine.functions.length });
    return { ok: true, welcome: { v: 1, machine: machine.name, grantSecret: machine.grantSecret, heartbeatIntervalMs: this.options.heartbeatMs } };
  }

  private resultUrlOf(machine: LiveMachine): string | null {
    const host = machine.addressOverride ?? machine.socketAddress;
    return host === null || machine.resultPort === null ? null : holderUrl(host, machine.resultPort);
  }

  /**
   * Forgets a machine's identity: its name is free for the next machine that joins with a join token, and its agent is
   * told and disconnected at once. Answers false for an unknown machine.
   */
  async forgetMachine(name: string): Promise<boolean> {
    const machine = this.machines.get(name);
    if (!machine) return false;
    machine.publicKey = null;
    machine.identitySince = null;
    await this.db.machines.forgetIdentity(name);
    const link = machine.link;
    if (link) {
      link.send("machine:forgotten", { v: 1, machine: name });
      link.disconnect("forgotten by an admin");
      this.disconnectAgent(name, link, "forgotten by an admin");
    }
    this.log.warn("machine forgotten", { machine: name });
    return true;
  }

  /** Sets (or, with null, clears) the host the machine is reached at instead of its socket's address. */
  async setAddress(name: string, address: string | null): Promise<LiveMachine | undefined> {
    const machine = this.machines.get(name);
    if (!machine) return undefined;
    machine.addressOverride = address;
    machine.resultUrl = this.resultUrlOf(machine) ?? machine.resultUrl;
    await this.db.machines.setAddressOverride(name, address);
    return machine;
  }

  /** Results recorded on this machine under another result store instance are lost (see `reconcileStore`). */
  private reconcileStore(machine: LiveMachine, storeId: string | undefined): void {
    reconcileStore(
      {
        results: this.results,
        log: this.log,
        recordLost: (lost) => {
          this.pending.lostStores.push(lost);
          this.scheduleFlush();
        },
        previousProcessLost: (lost) => {
          for (const attemptId of lost.running) {
            this.attemptErrors.set(attemptId, { kind: "machine_lost", message: `machine "${lost.name}" restarted during the attempt` });
          }
          lost.running.clear();
          if (this.state.machines.get(lost.name)?.status !== "offline") {
            this.dispatch({ type: "machine_status_changed", now: Date.now(), name: lost.name, status: "offline" });
          }
        },
      },
      machine,
      storeId,
      Date.now(),
    );
  }

  /** The agent's socket closed (or the watchdog gave up on it): the machine is offline, its attempts are lost. */
  disconnectAgent(name: string, link: AgentLink, reason: string): void {
    const machine = this.machines.get(name);
    if (!machine || machine.link !== link) return;
    machine.link = undefined;
    for (const attemptId of machine.running) {
      this.attemptErrors.set(attemptId, { kind: "machine_lost", message: `machine "${name}" went offline during the attempt (${reason})` });
    }
    machine.running.clear();
    if (machine.status !== "draining") machine.status = "offline";
    this.log.warn("machine offline", { machine: name, reason });
    this.dispatch({ type: "machine_status_changed", now: Date.now(), name, status: "offline" });
    void this.db.machines.setStatus(name, machine.status === "draining" ? "draining" : "offline").catch((error: unknown) => this.writeFailed(error));
  }

  heartbeat(name: string, link: AgentLink, beat: AgentHeartbeat): void {
    const machine = this.machines.get(name);
    if (!machine || machine.link !== link) return;
    machine.lastHeartbeatAt = Date.now();
    machine.cpuPercent = beat.cpuPercent;
    machine.memoryUsedMb = beat.memoryUsedMb;
    machine.memoryTotalMb = beat.memoryTotalMb;
    this.heartbeatsToWrite.add(name);
  }

  private checkHeartbeats(): void {
    const now = Date.now();
    this.sampleLoad(now);
    for (const [attemptId, recent] of this.recentAttempts) {
      if (now - recent.closedAt < 60_000) break; // insertion order: the rest are newer
      this.recentAttempts.delete(attemptId);
    }
    for (const machine of this.machines.values()) {
      if (machine.link && machine.lastHeartbeatAt !== null && now - machine.lastHeartbeatAt > this.options.machineTimeoutMs) {
        const link = machine.link;
        link.disconnect("missed heartbeats");
        this.disconnectAgent(machine.name, link, `no heartbeat for ${now - machine.lastHeartbeatAt} ms`);
      }
    }
    if (this.heartbeatsToWrite.size > 0) {
      const names = [...this.heartbeatsToWrite];
      this.heartbeatsToWrite.clear();
      void this.db.machines.recordHeartbeats(names, new Date(now)).catch((error: unknown) => this.writeFailed(error));
    }
  }

  /**
   * Draining: the machine takes no new task; what runs there finishes, and its results stay reachable.
   * Undraining brings it back (online if its agent is connected). Answers undefined for an unknown machine.
   */
  async setDraining(name: string, draining: boolean): Promise<LiveMachine | undefined> {
    const machine = this.machines.get(name);
    if (!machine) return undefined;
    const status = draining ? "draining" : machine.link ? "online" : "offline";
    if (machine.status === status) return machine;
    machine.status = status;
    this.log.info(draining ? "machine draining" : "machine undrained", { machine: name, status });
    this.dispatch({ type: "machine_status_changed", now: Date.now(), name, status });
    await this.db.machines.setStatus(name, status);
    return machine;
  }

  /** Load samples (one a second, the last 15 minutes) of one machine or all, since `since` (epoch ms). */
  loadHistory(name?: string, since = 0): { name: string; samples: LoadSample[] }[] {
    const names = name === undefined ? [...this.machines.keys()].sort() : this.machines.has(name) ? [name] : [];
    return names.map((machineName) => {
      const samples = this.history.get(machineName) ?? [];
      let first = samples.length;
      while (first > 0 && samples[first - 1]!.at > since) first -= 1;
      return { name: machineName, samples: samples.slice(first) };
    });
  }

  private sampleLoad(now: number): void {
    if (now - this.lastSampleAt < 1000) return;
    this.lastSampleAt = now;
    for (const machine of this.machines.values()) {
      const samples = this.history.get(machine.name) ?? [];
      const online = machine.link !== undefined;
      samples.push({
        at: now,
        capacity: machine.capacity,
        claimed: this.claimed(machine.name),
        cpuPercent: online ? machine.cpuPercent : null,
        memoryUsedMb: online ? machine.memoryUsedMb : null,
        memoryTotalMb: online ? machine.memoryTotalMb : null,
        running: machine.running.size,
      });
      if (samples.length > HISTORY_SAMPLES) samples.splice(0, samples.length - HISTORY_SAMPLES);
      this.history.set(machine.name, samples);
    }
  }

  // ---- resuming after a restart ---------------------------------------------------------------

  /** Every machine the runs to resume depend on is back: resume after a short settle (their queued reports arrive). */
  // Waiting for held attempts to finish is not needed: those still running are adopted.
  private maybeResumeEarly(): void {
    const needed = new Set<string>(this.heldAttempts.values());
    for (const { tasks } of this.resuming.values()) {
      for (const task of tasks) if (task.state === "succeeded" && task.resultMachine !== null) needed.add(task.resultMachine);
    }
    for (const name of needed) if (this.machines.get(name)?.link === undefined) return;
    if (this.settleTimer) clearLongTimeout(this.settleTimer);
    this.settleTimer = setLongTimeout(() => void this.resumeRuns("their machines are back"), Math.min(1000, this.options.resumeGraceMs ?? 30_000));
    this.settleTimer.unref();
  }

  /**
   * Takes over the runs a previous server process left in flight, from the database: succeeded tasks keep
   * their results where they are; attempts that finished while the server was away are adopted from their
   * agents' queued reports; attempts still running are stopped and their tasks run again (attempt numbers
   * continue, so any late report of the old attempt is fenced). Results on machines that did not come back
   * are recomputed from lineage when still needed.
   */
  private async resumeRuns(why: string): Promise<void> {
    if (this.closed || this.resuming.size === 0) return;
    if (this.resumeTimer) clearLongTimeout(this.resumeTimer);
    if (this.settleTimer) clearLongTimeout(this.settleTimer);
    this.resumeTimer = this.settleTimer = undefined;
    const runs = [...this.resuming.values()];
    const held = this.heldAttempts;
    const reports = this.heldReports;
    const stillRunning = this.heldRunning;
    this.resuming = new Map();
    this.heldAttempts = new Map();
    this.heldReports = new Map();
    this.heldRunning = new Map();
    const now = Date.now();
    const absentHolders = new Set<string>();
    for (const { run, tasks, attempts } of runs) {
      const parsed = DagFile.safeParse(run.spec);
      if (!parsed.success) {
        this.log.error("cannot resume a run: its stored DAG is unreadable", { runId: run.id });
        await this.db.runs.markInterrupted(new Date(now), [run.id]);
        continue;
      }
      const numbers = new Map<string, number>();
      const adopted = new Map<string, ResultRef>();
      const succeededBefore = new Set(tasks.filter((task) => task.state === "succeeded").map((task) => task.taskId));
      const known = new Set(attempts.map((attempt) => attempt.id));
      for (const attempt of attempts) numbers.set(attempt.taskId, Math.max(numbers.get(attempt.taskId) ?? 0, attempt.number));
      // Succeeded attempts reported by returning agents (queued while the server was away, or re-announced at hello).
      for (const [attemptId, report] of reports) {
        if (report.runId !== run.id || !report.item.ok || succeededBefore.has(report.taskId) || adopted.has(report.taskId)) continue;
        const number = attemptParts(attemptId)?.number ?? 1;
        numbers.set(report.taskId, Math.max(numbers.get(report.taskId) ?? 0, number));
        adopted.set(report.taskId, { machine: report.machine, ...report.item.result, ...(report.storeId === undefined ? {} : { storeId: report.storeId }) });
        this.pending.attempts.push({
          id: attemptId,
          runId: run.id,
          taskId: report.taskId,
          number,
          state: "succeeded",
          machine: report.machine,
          finishedAt: new Date(now),
          ...(known.has(attemptId) ? {} : { startedAt: new Date(now) }),
          ...(report.item.metrics.wallMs > 0 ? { metrics: report.item.metrics } : {}),
        });
        known.add(attemptId);
      }
      // Attempts still running on machines that came back (known to the database or not: its last writes may
      // not have landed): the core adopts them, or answers with an abort.
      const adoptRunning = new Map<string, { attemptId: string; machine: string }>();
      for (const [attemptId, machineName] of stillRunning) {
        const parts = attemptParts(attemptId);
        const machine = this.machines.get(machineName);
        if (parts?.runId !== run.id || reports.has(attemptId) || !machine?.link) continue;
        if (succeededBefore.has(parts.taskId) || adopted.has(parts.taskId) || adoptRunning.has(parts.taskId)) {
          machine.link.send("task:abort", { v: 1, attemptId, reason: "cancelled" });
          continue;
        }
        adoptRunning.set(parts.taskId, { attemptId, machine: machineName });
        numbers.set(parts.taskId, Math.max(numbers.get(parts.taskId) ?? 0, parts.number));
        const startedAt = attempts.find((attempt) => attempt.id === attemptId)?.startedAt?.getTime() ?? now;
        this.openAttempts.set(attemptId, { runId: run.id, taskId: parts.taskId, number: parts.number, machine: machineName, startedAt });
        machine.running.add(attemptId);
        if (!known.has(attemptId)) {
          this.pending.attempts.push({ id: attemptId, runId: run.id, taskId: parts.taskId, number: parts.number, state: "running", machine: machineName, startedAt: new Date(startedAt) });
        }
      }
      for (const attempt of attempts) {
        if (attempt.state !== "running") continue;
        const report = reports.get(attempt.id);
        if (report?.item.ok && adopted.get(attempt.taskId)?.machine === report.machine) continue;
        if (adoptRunning.get(attempt.taskId)?.attemptId === attempt.id) continue;
        const machine = attempt.machine === null ? undefined : this.machines.get(attempt.machine);
        if (!report && held.has(attempt.id) && machine?.link) machine.link.send("task:abort", { v: 1, attemptId: attempt.id, reason: "cancelled" });
        const error = report && !report.item.ok ? report.item.error : { kind: "interrupted", message: "the server restarted during this attempt; the task runs again" };
        this.pending.attempts.push({
          id: attempt.id,
          runId: run.id,
          taskId: attempt.taskId,
          number: attempt.number,
          state: "failed",
          finishedAt: new Date(now),
          errorKind: error.kind,
          errorMessage: error.message,
          ...(report?.item.metrics === undefined ? {} : { metrics: report.item.metrics }),
        });
      }
      const resume: Record<string, { attempts: number; succeeded?: { machine: string; result: ResultRef }; running?: { attemptId: string; machine: string } }> = {};
      for (const task of tasks) {
        const attemptsSoFar = Math.max(task.attempts, numbers.get(task.taskId) ?? 0);
        const holder = task.resultMachine ?? task.machine;
        const adopt = adopted.get(task.taskId);
        const liveStoreId = holder === null ? null : (this.machines.get(holder)?.storeId ?? null);
        // A result recorded under another store instance of a machine that is back was lost with its old agent.
        const lostMeanwhile = task.lostAt !== null || (task.resultStoreId !== null && liveStoreId !== null && liveStoreId !== task.resultStoreId);
        if (task.state === "succeeded" && holder !== null && !lostMeanwhile) {
          const ref: ResultRef = refFromRow({ ...task, resultMachine: holder }) ?? { machine: holder, size: 0, contentType: "application/json", preview: "", truncated: false };
          resume[task.taskId] = { attempts: attemptsSoFar, succeeded: { machine: holder, result: ref } };
          this.registerResult(run.id, task.taskId, ref);
          if (this.machines.get(holder)?.link === undefined) absentHolders.add(holder);
        } else if (adopt) {
          resume[task.taskId] = { attempts: attemptsSoFar, succeeded: { machine: adopt.machine, result: adopt } };
          this.taskChanged({ runId: run.id, taskId: task.taskId, state: "succeeded", at: now, attempts: attemptsSoFar, maxAttempts: attemptsSoFar, machine: adopt.machine, result: adopt });
        } else {
          const running = adoptRunning.get(task.taskId);
          resume[task.taskId] = { attempts: attemptsSoFar, ...(running ? { running } : {}) };
        }
      }
      this.log.info("resuming run", { runId: run.id, why, succeeded: Object.values(resume).filter((entry) => entry.succeeded).length, adopted: adopted.size });
      this.dispatch({ type: "run_submitted", now, runId: run.id, dag: toDagSpec(parsed.data), options: (run.options ?? {}) as RunOptions, resume: { tasks: resume } });
      const cancel = this.cancelAfterResume.get(run.id);
      this.cancelAfterResume.delete(run.id);
      if (cancel !== undefined) this.cancel(run.id, cancel);
    }
    // Results held by machines that did not come back are lost: recompute those still needed.
    for (const name of absentHolders) {
      if (this.machines.get(name)?.link === undefined) this.dispatch({ type: "machine_status_changed", now: Date.now(), name, status: "offline" });
    }
    this.scheduleFlush();
  }

  /** Sets a machine's capacity; a machine with no agent yet stays offline until one connects. Live claims stay. */
  async registerMachine(name: string, capacity: Resources): Promise<LiveMachine> {
    const machine = this.machines.get(name) ?? this.newMachine(name, capacity, "offline");
    machine.capacity = withSlots(capacity);
    this.machines.set(name, machine);
    await this.db.machines.register({
      name,
      capacity: machine.capacity,
      labels: machine.labels,
      functions: machine.functions,
      status: machine.status,
      agentVersion: machine.agentVersion,
      resultUrl: machine.resultUrl,
      lastHeartbeatAt: machine.lastHeartbeatAt === null ? null : new Date(machine.lastHeartbeatAt),
    });
    this.announce(machine);
    return machine;
  }

  machineInfos(): MachineInfo[] {
    return [...this.machines.values()].map((machine) => ({
      name: machine.name,
      capacity: machine.capacity,
      functions: new Set(machine.functions.map((fn) => fn.name)),
      status: machine.status,
    }));
  }

  claimed(name: string): Record<string, number> {
    return this.state.ledger.has(name) ? this.state.ledger.used(name) : {};
  }

  free(name: string): Record<string, number> {
    return this.state.ledger.has(name) ? this.state.ledger.available(name) : {};
  }

  resourcesAvailable(name: string, request: Resources): boolean {
    const machine = this.machines.get(name);
    return machine !== undefined && machine.status === "online" && fits(this.free(name), request);
  }

  // ---- runs ----------------------------------------------------------------------------------

  /** Validation (with each call checked against the online machines' function signatures) and feasibility against the live cluster. */
  check(dag: DagSpec): DagProblem[] {
    const problems = validateDag(dag, { catalogue: functionCatalogue([...this.machines.values()]), validateParams: validateJsonSchema });
    const feasibility = checkFeasibility(dag, this.machineInfos(), neededFunctions(dag));
    return problems.length === 0 ? feasibility : [...problems, ...feasibility.filter((problem) => problem.kind === "unknown_function")];
  }

  /** Where each task would start right now, on its own, under `strategy` (the editor's placement preview). */
  previewPlacement(dag: DagSpec, strategy: Strategy): Record<string, { machine: string | null; reason?: string }> {
    const needs = neededFunctions(dag);
    const machines = [...this.machines.values()]
      .filter((machine) => machine.status === "online")
      .map((machine) => ({
        name: machine.name,
        free: this.free(machine.name),
        total: machine.capacity,
        functions: new Set(machine.functions.map((fn) => fn.name)),
      }));
    const preview: Record<string, { machine: string | null; reason?: string }> = {};
    const placedOf = new Map<string, string>();
    for (const task of dag.tasks) {
      if (task.type === "inline") {
        preview[task.id] = { machine: null, reason: "inline: evaluated on each consumer's machine" };
        continue;
      }
      const placement = task.placement ?? { kind: "auto" as const };
      if (placement.kind === "collocated" && placedOf.has(placement.with)) {
        const machine = placedOf.get(placement.with)!;
        placedOf.set(task.id, machine);
        preview[task.id] = { machine, reason: `collocated with "${placement.with}"` };
        continue;
      }
      const result = allocate(
        [{ id: task.id, cost: { ...task.cost, slots: Math.max(1, task.cost?.["slots"] ?? 1) }, placement: placement.kind === "collocated" ? { kind: "auto" } : placement, functions: (needs.get(task.id) ?? []).map((need) => need.fn) }],
        machines,
        { strategy, ...(this.options.localMachine === undefined ? {} : { localMachine: this.options.localMachine }) },
      );
      const machine = result.placed.get(task.id);
      if (machine !== undefined) {
        placedOf.set(task.id, machine);
        preview[task.id] = { machine };
      } else {
        preview[task.id] = { machine: null, reason: result.waiting.get(task.id)?.message ?? "no machine can take it now" };
      }
    }
    return preview;
  }

  /** Persists the run, then hands it to the scheduler. Throws `RunRejectedError` (nothing persisted) for a bad DAG. */
  async submit(request: SubmitRequest): Promise<string> {
    const problems = this.check(request.dag);
    if (problems.length > 0) throw new RunRejectedError(problems);
    const runId = randomUUID();
    await this.db.runs.create({
      id: runId,
      dagId: request.dagId,
      dagVersion: request.dagVersion,
      dagName: request.dagName ?? null,
      spec: request.file,
      options: request.options,
      status: "running",
      startedBy: request.startedBy,
      ...(request.parentRunId === undefined ? {} : { parentRunId: request.parentRunId, reason: request.reason ?? "recompute" }),
      idempotencyKey: request.idempotencyKey ?? null,
      tasks: request.dag.tasks.map((task) => ({ taskId: task.id, state: "waiting_for_dependencies" as const })),
    });
    this.metrics.runsStarted += 1;
    this.dispatch({ type: "run_submitted", now: Date.now(), runId, dag: request.dag, options: request.options });
    this.pending.runs.push({ runId, startedAt: new Date() });
    this.scheduleFlush();
    return runId;
  }

  cancel(runId: string, reason = "cancelled by request"): boolean {
    if (this.resuming.has(runId)) {
      this.cancelAfterResume.set(runId, reason);
      return true;
    }
    if (!this.state.runs.has(runId) || this.outcomes.has(runId)) return false;
    this.dispatch({ type: "run_cancel_requested", now: Date.now(), runId, reason });
    return true;
  }

  isActive(runId: string): boolean {
    return this.resuming.has(runId) || (this.state.runs.has(runId) && !this.outcomes.has(runId));
  }

  /** Resolves with the run's outcome once it has finished and been written. */
  async outcome(runId: string): Promise<RunOutcome | undefined> {
    const known = this.outcomes.get(runId);
    if (known) {
      await this.flushed();
      return known;
    }
    if (!this.state.runs.has(runId) && !this.resuming.has(runId)) return undefined;
    const outcome = await new Promise<RunOutcome>((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
    await this.flushed();
    return outcome;
  }

  subscribe(runId: string, listener: (event: RunEvent) => void): () => void {
    this.events.on(runId, listener);
    return () => this.events.off(runId, listener);
  }

  /** Every write queued so far has reached the database. */
  async flushed(): Promise<void> {
    this.flush();
    for (;;) {
      await this.writing;
      if (this.pendingCount() === 0) return;
      this.startWriter(true);
    }
  }

  // ---- agent reports --------------------------------------------------------------------------

  finished(name: string, link: AgentLink, items: readonly TaskFinishedItem[]): void {
    const machine = this.machines.get(name);
    if (!machine || machine.link !== link) return;
    for (const item of items) {
      const parts = this.resuming.size === 0 ? undefined : attemptParts(item.attemptId);
      if (parts && this.resuming.has(parts.runId)) {
        this.heldReports.set(item.attemptId, { machine: name, runId: parts.runId, taskId: parts.taskId, item });
        continue;
      }
      machine.running.delete(item.attemptId);
      if (item.metrics) this.attemptMetrics.set(item.attemptId, item.metrics);
      if (item.ok) {
        const ref: ResultRef = { machine: name, ...item.result, ...(machine.storeId === null ? {} : { storeId: machine.storeId }) };
        this.dispatch({ type: "attempt_succeeded", now: Date.now(), attemptId: item.attemptId, machine: name, result: ref });
      } else {
        this.attemptErrors.set(item.attemptId, item.error);
        this.dispatch({
          type: "attempt_failed",
          now: Date.now(),
          attemptId: item.attemptId,
          machine: name,
          error: { kind: reportedKind(item.error.kind), message: item.error.message },
        });
      }
    }
  }

  logs(name: string, link: AgentLink, items: readonly TaskLogItem[]): void {
    const machine = this.machines.get(name);
    if (!machine || machine.link !== link) return;
    for (const item of items) {
      const open = this.openAttempts.get(item.attemptId) ?? this.recentAttempts.get(item.attemptId);
      if (!open || open.machine !== name) continue; // logs of fenced or unknown attempts are dropped
      const at = new Date(item.at);
      this.pending.logs.push({ runId: open.runId, taskId: open.taskId, attemptId: item.attemptId, level: item.level, message: item.message, timestamp: at });
      this.events.emit(open.runId, {
        type: "log",
        log: { id: null, taskId: open.taskId, attemptId: item.attemptId, level: item.level, message: item.message, at: at.toISOString() },
      } satisfies RunEvent);
    }
    this.scheduleFlush();
  }

  // ---- results --------------------------------------------------------------------------------

  /** The holder dropped values: from now on they answer `evicted` at once, and the run's record says so. */
  resultsEvicted(name: string, link: AgentLink, items: readonly ResultEvictedItem[]): void {
    const machine = this.machines.get(name);
    if (!machine || machine.link !== link) return;
    for (const item of items) {
      const key = resultKey(item.runId, item.taskId);
      const ref = this.results.get(key);
      if (!ref || ref.machine !== name) continue; // a copy fetched as an input, not the recorded result
      this.results.set(key, { ...ref, evicted: item.reason });
      const message = `result evicted from "${name}" (${item.reason === "retention" ? "retention time passed" : "disk budget full"})`;
      this.pending.tasks.push({ runId: item.runId, taskId: item.taskId, resultMachine: null, reason: message });
      this.pending.logs.push({ runId: item.runId, taskId: item.taskId, attemptId: null, level: "warn", message, timestamp: new Date() });
    }
    this.scheduleFlush();
  }

  /** Where a result can be read (lost and evicted ones included, with a recompute run's copy when there is one). */
  lookupResult(runId: string, taskId: string): Promise<ResultRef | undefined> {
    return lookupResult({ results: this.results, db: this.db }, runId, taskId);
  }

  /** Resolves when the result exists, or with undefined after `timeoutMs`. */
  async waitForResult(runId: string, taskId: string, timeoutMs: number): Promise<ResultRef | undefined> {
    const known = await this.lookupResult(runId, taskId);
    if (known || timeoutMs <= 0) return known;
    const key = resultKey(runId, taskId);
    return new Promise((resolve) => {
      const set = this.resultWaiters.get(key) ?? new Set();
      const done = (ref: ResultRef | undefined): void => {
        clearLongTimeout(timer);
        set.delete(done);
        resolve(ref);
      };
      const timer = setLongTimeout(() => done(undefined), timeoutMs);
      set.add(done);
      this.resultWaiters.set(key, set);
    });
  }

  registerResult(runId: string, taskId: string, ref: ResultRef): void {
    const key = resultKey(runId, taskId);
    this.results.set(key, ref);
    const waiting = this.resultWaiters.get(key);
    if (waiting) {
      this.resultWaiters.delete(key);
      for (const resolve of waiting) resolve(ref);
    }
  }

  /** A grant for `audience` to fetch (runId, taskId) from `holder`, signed with the holder's secret. */
  grantFor(holder: LiveMachine, runId: string, taskId: string, audience: string, encode?: { fn: string; args?: readonly unknown[] }): string {
    return signGrant(holder.grantSecret, {
      runId,
      taskId,
      holder: holder.name,
      audience,
      ...(audience === SERVER_AUDIENCE ? {} : { audienceKey: this.machines.get(audience)?.publicKey ?? undefined }),
      expiresAt: Date.now() + (this.options.grantTtlMs ?? DEFAULT_GRANT_TTL_MS),
      ...(encode ? { encode: { fn: encode.fn, args: [...(encode.args ?? [])] } } : {}),
    });
  }

  metricsText(): string {
    const machinesByStatus: Record<string, number> = { online: 0, offline: 0, draining: 0 };
    for (const machine of this.machines.values()) machinesByStatus[machine.status] = (machinesByStatus[machine.status] ?? 0) + 1;
    return this.metrics.render({ runsActive: this.state.activeRuns.length, attemptsRunning: this.state.attempts.size, machinesByStatus });
  }

  // ---- the loop -------------------------------------------------------------------------------

  dispatch(event: SchedulerEvent): void {
    if (this.closed) return;
    const { commands } = decide(this.state, event);
    this.execute(commands);
  }

  private execute(commands: readonly SchedulerCommand[]): void {
    for (const command of commands) {
      switch (command.type) {
        case "assign_task":
          this.assign(command);
          break;
        case "abort_attempt": {
          const machine = this.machines.get(command.machine);
          machine?.running.delete(command.attemptId);
          if (!this.attemptErrors.has(command.attemptId)) {
            this.attemptErrors.set(command.attemptId, {
              kind: command.reason,
              message: command.reason === "timeout" ? "the attempt ran past its timeout" : "the attempt was cancelled",
            });
          }
          machine?.link?.send("task:abort", { v: 1, attemptId: command.attemptId, reason: command.reason });
          break;
        }
        case "task_changed":
          this.taskChanged(command.change);
          break;
        case "run_finished":
          this.runFinished(command.outcome);
          break;
        case "set_timer":
          this.setTimer(command.at);
          break;
        case "report_ignored":
          this.log.debug("report ignored", { attemptId: command.attemptId, reason: command.reason });
          break;
      }
    }
    this.scheduleFlush();
  }

  private setTimer(at: number): void {
    if (this.timer) clearLongTimeout(this.timer);
    this.timer = setLongTimeout(() => {
      this.timer = undefined;
      this.dispatch({ type: "tick", now: Date.now() });
    }, Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private assign(command: Extract<SchedulerCommand, { type: "assign_task" }>): void {
    const machine = this.machines.get(command.machine);
    const now = Date.now();
    this.openAttempts.set(command.attemptId, { runId: command.runId, taskId: command.taskId, number: command.attempt, machine: command.machine, startedAt: now });
    this.pending.attempts.push({
      id: command.attemptId,
      runId: command.runId,
      taskId: command.taskId,
      number: command.attempt,
      state: "running",
      machine: command.machine,
      startedAt: new Date(now),
    });
    if (!machine?.link) return; // the machine just went away: the status change fails the attempt
    machine.running.add(command.attemptId);
    this.assignTimes.set(command.attemptId, now);
    const item: TaskAssignItem = {
      attemptId: command.attemptId,
      runId: command.runId,
      taskId: command.taskId,
      attempt: command.attempt,
      fn: command.fn,
      inputs: command.inputs.map((input) => this.wireInput(command.runId, input, command.machine)),
      extraArgs: [...command.extraArgs],
      argumentInclusion: command.argumentInclusion,
      ...(command.timeoutMs === undefined ? {} : { timeoutMs: command.timeoutMs }),
    };
    const list = this.pendingAssigns.get(command.machine) ?? [];
    list.push(item);
    this.pendingAssigns.set(command.machine, list);
  }

  private wireInput(runId: string, input: InputRef, target: string): WireInput {
    if (input.kind === "inline") {
      return {
        kind: "inline",
        taskId: input.taskId,
        fn: input.fn,
        inputs: input.inputs.map((nested) => this.wireInput(runId, nested, target)),
        extraArgs: [...input.extraArgs],
        argumentInclusion: input.argumentInclusion,
        ...(input.encode ? { encode: { fn: input.encode.fn, args: [...(input.encode.args ?? [])] } } : {}),
        ...(input.decode ? { decode: { fn: input.decode.fn, args: [...(input.decode.args ?? [])] } } : {}),
      };
    }
    const holder = this.machines.get(input.machine);
    const encode = input.encode ? { fn: input.encode.fn, args: [...(input.encode.args ?? [])] } : undefined;
    const decode = input.decode ? { decode: { fn: input.decode.fn, args: [...(input.decode.args ?? [])] } } : {};
    if (input.machine !== target && holder?.resultUrl) {
      // Across machines the producer-side step runs on the holder, named in the grant.
      return {
        kind: "result",
        taskId: input.taskId,
        machine: input.machine,
        ...decode,
        fetch: { url: holder.resultUrl, grant: this.grantFor(holder, runId, input.taskId, target, encode) },
      };
    }
    return { kind: "result", taskId: input.taskId, machine: input.machine, ...(encode ? { encode } : {}), ...decode };
  }

  private taskChanged(change: TaskChange): void {
    const result = change.result as ResultRef | undefined;
    const row: TaskRow = {
      runId: change.runId,
      taskId: change.taskId,
      state: change.state,
      reason: change.reason ?? null,
      attempts: change.attempts,
      ...(change.machine === undefined ? {} : { machine: change.machine }),
    };
    if (change.state === "running") row.startedAt = new Date(change.at);
    if (change.state === "succeeded" || change.state === "failed" || change.state === "cancelled" || change.state === "upstream_failed") {
      row.finishedAt = new Date(change.at);
    }
    if (change.error) {
      row.errorKind = change.error.kind;
      row.errorMessage = change.error.message;
    }
    if (result && change.state === "succeeded") {
      row.resultMachine = result.machine;
      row.resultSize = result.size;
      row.resultPreview = result.preview;
      row.resultStoreId = result.storeId ?? null;
      row.lostAt = null;
      row.lostMachine = null;
      this.registerResult(change.runId, change.taskId, result);
    }
    this.pending.tasks.push(row);
    this.closeAttempts(change);
    this.metrics.taskChanged(change.state);
    this.events.emit(change.runId, {
      type: "task",
      change: {
        taskId: change.taskId,
        state: change.state,
        at: change.at,
        attempts: change.attempts,
        maxAttempts: change.maxAttempts,
        ...(change.machine === undefined ? {} : { machine: change.machine }),
        ...(change.reason === undefined ? {} : { reason: change.reason }),
        ...(change.retryAt === undefined ? {} : { retryAt: change.retryAt }),
        ...(change.error === undefined ? {} : { error: { kind: change.error.kind, message: change.error.message } }),
        ...(result && change.state === "succeeded" ? { result } : {}),
      },
    } satisfies RunEvent);
  }

  /** Writes the end of every open attempt of this task: the task left `running`. */
  private closeAttempts(change: TaskChange): void {
    for (const [attemptId, open] of this.openAttempts) {
      if (open.runId !== change.runId || open.taskId !== change.taskId) continue;
      // A new attempt starting closes the task's older ones, never itself.
      if (change.state === "running" && (change.attemptId === undefined || change.attemptId === attemptId)) continue;
      this.openAttempts.delete(attemptId);
      this.machines.get(open.machine)?.running.delete(attemptId);
      const metrics = this.attemptMetrics.get(attemptId);
      this.attemptMetrics.delete(attemptId);
      const started = this.assignTimes.get(attemptId);
      this.assignTimes.delete(attemptId);
      if (started !== undefined) this.metrics.observeAttempt((Date.now() - started) / 1000);
      this.recentAttempts.set(attemptId, { runId: open.runId, taskId: open.taskId, machine: open.machine, closedAt: Date.now() });
      const error = this.attemptErrors.get(attemptId) ?? change.error;
      this.attemptErrors.delete(attemptId);
      const state =
        change.state === "succeeded" && error === undefined
          ? "succeeded"
          : error?.kind === "cancelled" || (error === undefined && change.state === "cancelled")
            ? "cancelled"
            : "failed";
      this.pending.attempts.push({
        id: attemptId,
        runId: open.runId,
        taskId: open.taskId,
        number: open.number,
        state,
        finishedAt: new Date(change.at),
        ...(error && state !== "succeeded" ? { errorKind: error.kind, errorMessage: error.message } : {}),
        ...(metrics === undefined ? {} : { metrics }),
      });
    }
  }

  private runFinished(outcome: RunOutcome): void {
    this.outcomes.set(outcome.runId, outcome);
    this.metrics.runFinished(outcome.status);
    this.pending.runs.push({ runId: outcome.runId, status: outcome.status, finishedAt: new Date(), outcome });
    for (const [attemptId, open] of this.openAttempts) {
      if (open.runId === outcome.runId) this.closeAttempts({ runId: open.runId, taskId: open.taskId, state: "cancelled", at: Date.now(), attempts: open.number, maxAttempts: open.number, attemptId });
    }
    this.events.emit(outcome.runId, { type: "finished", outcome } satisfies RunEvent);
    // Agents keep a run's values pinned while it runs; now they may age out.
    for (const machine of this.machines.values()) machine.link?.send("run:ended", { v: 1, runId: outcome.runId });
    const waiting = this.waiters.get(outcome.runId);
    this.waiters.delete(outcome.runId);
    for (const resolve of waiting ?? []) resolve(outcome);
    // The core keeps finished runs for lookups; drop them after a while to bound memory.
    setLongTimeout(() => {
      this.outcomes.delete(outcome.runId);
      this.state.runs.delete(outcome.runId);
    }, 10 * 60_000).unref();
  }

  // ---- write-behind ---------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends the tick's assignments (one message per machine), then queues the tick's writes in one transaction. */
  private flush(): void {
    this.flushScheduled = false;
    const assigns = this.pendingAssigns;
    this.pendingAssigns = new Map();
    const sentAt = Date.now();
    for (const [name, items] of assigns) {
      this.machines.get(name)?.link?.send("task:assign", { v: 1, items });
      this.metrics.assigned += items.length;
      for (const item of items) {
        const decidedAt = this.assignTimes.get(item.attemptId);
        if (decidedAt !== undefined) this.metrics.observeDispatch((sentAt - decidedAt) / 1000);
      }
    }
    this.startWriter();
  }

  /**
   * One writer at a time; whatever piles up while it writes goes in its next transaction. Under load
   * this turns thousands of ticks into a few large batches instead of a queue of small ones.
   */
  private startWriter(immediately = false): void {
    if (this.writerBusy || this.pendingCount() === 0) return;
    if (!immediately) {
      // Wait a moment so a burst of ticks (a chain hopping every 2 ms) shares one transaction:
      // synchronous SQLite work would otherwise sit between every report and the next assignment.
      this.writeTimer ??= setLongTimeout(() => {
        this.writeTimer = undefined;
        this.startWriter(true);
      }, this.options.writeDelayMs ?? 50);
      return;
    }
    if (this.writeTimer) clearLongTimeout(this.writeTimer);
    this.writeTimer = undefined;
    this.writerBusy = true;
    this.writing = (async () => {
      while (this.pendingCount() > 0) {
        const { runs, tasks, attempts, lostStores, logs } = this.pending;
        this.pending = { runs: [], tasks: [], attempts: [], lostStores: [], logs: [] };
        try {
          if (runs.length + tasks.length + attempts.length + lostStores.length > 0) await this.db.runs.applyChanges({ runs, tasks, attempts, lostStores } satisfies ChangeBatch);
          if (logs.length > 0) await this.db.logs.append(logs);
        } catch (error) {
          this.writeFailed(error);
        }
      }
      this.writerBusy = false;
    })();
  }

  private pendingCount(): number {
    const { runs, tasks, attempts, lostStores, logs } = this.pending;
    return runs.length + tasks.length + attempts.length + lostStores.length + logs.length;
  }

  private writeFailed(error: unknown): void {
    this.log.error("database write failed", { error: error instanceof Error ? error.message : String(error) });
  }
}

/** What an agent may say about a failed attempt; anything else is the function's failure. */
function reportedKind(kind: string): "timeout" | "cancelled" | "result_lost" | "machine_lost" | "non_retryable" | "function_failed" {
  return kind === "timeout" || kind === "cancelled" || kind === "result_lost" || kind === "machine_lost" || kind === "non_retryable" ? kind : "function_failed";
}

function withSlots(capacity: Resources): Resources {
  if (capacity["slots"] !== undefined) return { ...capacity };
  return { ...capacity, slots: Math.max(1, Math.floor(capacity["cpu"] ?? 4)) };
}

export type { TokenKind };
