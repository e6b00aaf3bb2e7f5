import { randomUUID } from "node:crypto";
import { checkDag, explainTask, fits, functionCatalogue, TaskState, type TaskExplanation, type DagProblem, type DagSpec, type Resources, type RunOutcome, type SchedulerState, type Strategy } from "@handoff/core";
import { LeaseLostError, type Database, type NewRun, type TokenKind } from "@handoff/db";
import { validateJsonSchema, type AgentHeartbeat, type AgentHello, type AgentWelcome, type FunctionMeta, type ResultEvictedItem, type TaskFinishedItem, type TaskLogItem } from "@handoff/protocol";
import type { Logger } from "../log.ts";
import type { AdmissionRefusal } from "../machines/admit-machine.ts";
import { reconcileHello, type HelloParts } from "./agent-hello.ts";
import { createSystemTimers, systemClock, type Clock } from "./clock.ts";
import { RunRejectedError, type EngineOptions, type SubmitRequest } from "./engine-contract.ts";
import { leaderGate, type LeaderGate } from "./leadership.ts";
import type { AgentLink, LiveMachine } from "./live-machine.ts";
import type { ClusterLoadSample, LoadSample } from "./load-history.ts";
import { InMemoryMachineRegistry, type AgentConnection, type MachineRegistry } from "./machine-registry.ts";
import { Metrics } from "./metrics.ts";
import { previewPlacement, type PlacementPreview } from "./placement-preview.ts";
import { createInMemoryResultLocations, type ResultLocations, type ResultRef } from "./result-locations.ts";
import { DEFAULT_RESUME_GRACE_MS, ResumeCoordinator } from "./resume-coordinator.ts";
import { reuseResults } from "./reuse-results.ts";
import { createInMemoryRunEvents, type RunEvent, type RunEvents } from "./run-events.ts";
import { SchedulerLoop } from "./scheduler-loop.ts";
import { submittedRows } from "./submitted-rows.ts";
import { DEFAULT_GRANT_TTL_MS, grantFor, type GrantContext } from "./wire-input.ts";
import { createWriteBehind, type WriteBehind } from "./write-behind.ts";
import { attemptSecretNames } from "../secrets/attempt-secret-names.ts";

export type { AgentLink, LiveMachine } from "./live-machine.ts";
export type { LoadSample } from "./load-history.ts";
export type { ResultRef } from "./result-locations.ts";
export type { LogView, RunEvent, TaskChangeView } from "./run-events.ts";
export type { TokenKind };
export { RunRejectedError, type EngineOptions, type SubmitRequest } from "./engine-contract.ts";

/**
 * The scheduler service as the rest of the server sees it: one facade over the scheduler loop (the only writer
 * of run state, around the core's `decide`), the machine registry, the write-behind, run events, result
 * locations and the resume after a restart. Only `start` reads the database's in-flight runs.
 */
export class Engine {
  readonly metrics = new Metrics();
  private readonly db: Database;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly registry: MachineRegistry;
  private readonly writer: WriteBehind;
  private readonly runEvents: RunEvents;
  private readonly results: ResultLocations;
  private readonly loop: SchedulerLoop;
  private readonly resumer: ResumeCoordinator;
  private readonly grants: GrantContext;
  private hasStarted = false;
  private readonly leader: LeaderGate;
  private readonly helloParts: HelloParts;

  constructor(private readonly options: EngineOptions) {
    const { db, log } = options;
    this.leader = leaderGate(options.leadership);
    this.db = db;
    this.log = log;
    const clock = (this.clock = options.clock ?? systemClock);
    const timers = options.timers ?? createSystemTimers();
    const writeFailed = (error: unknown): void => {
      log.error("database write failed", { error: error instanceof Error ? error.message : String(error) });
      if (error instanceof LeaseLostError) options.leadership?.lost(error.message);
    };
    this.registry = new InMemoryMachineRegistry({ db, log, clock, timers, heartbeatMs: options.heartbeatMs, machineTimeoutMs: options.machineTimeoutMs, claimedOf: (name) => this.claimed(name), writeFailed, fence: (write) => this.leader.fence(write) });
    const { epoch } = this.leader;
    this.writer = createWriteBehind({ db, timers, writeDelayMs: options.writeDelayMs ?? 50, writeFailed, ...(epoch === undefined ? {} : { epoch }) });
    this.runEvents = createInMemoryRunEvents();
    this.results = createInMemoryResultLocations({ db, log, timers });
    this.grants = { machines: this.registry.machines, clock, grantTtlMs: options.grantTtlMs ?? DEFAULT_GRANT_TTL_MS };
    this.loop = new SchedulerLoop({
      log,
      clock,
      timers,
      metrics: this.metrics,
      machines: this.registry.machines,
      writer: this.writer,
      runEvents: this.runEvents,
      results: this.results,
      grants: this.grants,
      noMachineGraceMs: options.noMachineGraceMs,
      ...(options.localMachine === undefined ? {} : { localMachine: options.localMachine }),
      ...(epoch === undefined ? {} : { epoch }),
    });
    this.registry.onEvent((event) => this.loop.onMachineEvent(event));
    this.resumer = new ResumeCoordinator({
      db,
      log,
      clock,
      timers,
      loop: this.loop,
      results: this.results,
      writer: this.writer,
      machines: this.registry.machines,
      resumeGraceMs: options.resumeGraceMs ?? DEFAULT_RESUME_GRACE_MS,
      cancel: (runId, reason) => this.cancel(runId, reason),
      fence: (write) => this.leader.fence(write),
      ...(epoch === undefined ? {} : { epoch }),
    });
    this.helloParts = { loop: this.loop, resumer: this.resumer, results: this.results, writer: this.writer, leader: this.leader, clock, log, finished: (name, link, items) => this.finished(name, link, items) };
  }

  get state(): SchedulerState {
    return this.loop.state;
  }

  /** The live machines (read only: change them through the methods below). */
  get machines(): ReadonlyMap<string, LiveMachine> {
    return this.registry.machines;
  }

  /** The machines connected to the previous server process (read at `start`): those a restart waits for. */
  previouslyConnected: readonly string[] = [];

  /** Loads the runs a previous server process left in flight (they resume once their machines are back), then the machines. */
  async start(): Promise<void> {
    this.hasStarted = true;
    // Read before the registry marks every machine offline: who was connected to the previous process.
    const lastConnected = (await this.db.machines.list()).filter((record) => record.status !== "offline").map((record) => record.name);
    this.previouslyConnected = lastConnected;
    this.resumer.load(await this.db.runs.listInFlight(), lastConnected);
    await this.registry.start();
  }

  async stop(): Promise<void> {
    this.resumer.close();
    this.loop.close();
    this.registry.stop();
    await this.flushed();
  }

  /**
   * Replicas: this server lost the leader lease. It stops scheduling at once — no decision, no assignment, no resume —
   * and lets its agents go (they move on to the next server). Queued writes stay fenced by their epoch.
   */
  fence(): void {
    this.resumer.close();
    this.loop.close();
    this.registry.stop();
  }

  /** A standby's view of the machines: the records the leader keeps in the database (its agents' messages go to the leader). */
  async refreshStandbyView(): Promise<void> {
    if (this.hasStarted) return;
    const records = await this.db.machines.list();
    // Elected meanwhile: the engine's own start loads the machines.
    if (!this.hasStarted) this.registry.showRecords(records);
  }

  /** True on a single server, and on the replica holding the leader lease. */
  isLeading(): boolean {
    return this.leader.isLeading();
  }

  // ---- machines ------------------------------------------------------------------------------

  /**
   * An agent said hello and proved `hello.identity.publicKey` (the gateway checked the signature): admit it by its
   * identity (or bind a new one with a join token), replace an older connection of the same identity at once,
   * (re)register the machine, bring it online, and welcome it. A refusal changes nothing and disconnects no one.
   */
  async connectAgent(hello: AgentHello, link: AgentLink, connection: AgentConnection): Promise<{ ok: true; welcome: AgentWelcome } | AdmissionRefusal> {
    this.leader.require("an agent's connection");
    const previousLink = this.registry.machines.get(hello.name)?.link;
    const admitted = await this.registry.connect(hello, link, connection);
    if (!admitted.ok) return admitted;
    const { machine } = admitted;
    reconcileHello(this.helloParts, machine, hello, link, previousLink !== undefined && previousLink !== link);
    this.registry.announce(machine);
    this.resumer.machineReturned();
    this.log.info("machine online", { machine: machine.name, capacity: machine.capacity, functions: machine.functions.length });
    return { ok: true, welcome: { v: 1, machine: machine.name, grantSecret: machine.grantSecret, heartbeatIntervalMs: this.options.heartbeatMs, ...this.leader.epochField() } };
  }

  /** The agent on `link` loaded shipped function bundles and offers `functions` now. */
  offerFunctions(name: string, link: AgentLink, functions: FunctionMeta[]): Promise<void> {
    return this.registry.offerFunctions(name, link, functions);
  }

  /** The agent's socket closed (or the watchdog gave up on it): the machine is offline, its attempts are lost. */
  disconnectAgent(name: string, link: AgentLink, reason: string): void {
    this.registry.disconnect(name, link, reason);
  }

  heartbeat(name: string, link: AgentLink, beat: AgentHeartbeat): void {
    this.registry.heartbeat(name, link, beat);
  }

  /** Forgets a machine's identity (its name is free for the next join with a token); false for an unknown machine. */
  forgetMachine(name: string): Promise<boolean> {
    this.leader.require("forgetting a machine");
    return this.registry.forget(name);
  }

  /** Sets (or, with null, clears) the host the machine is reached at instead of its socket's address. */
  setAddress(name: string, address: string | null): Promise<LiveMachine | undefined> {
    this.leader.require("setting a machine's address");
    return this.registry.setAddress(name, address);
  }

  /**
   * Draining: the machine takes no new task; what runs there finishes, and its results stay reachable.
   * Undraining brings it back (online if its agent is connected). Answers undefined for an unknown machine.
   */
  setDraining(name: string, draining: boolean): Promise<LiveMachine | undefined> {
    this.leader.require("draining a machine");
    return this.registry.setDraining(name, draining);
  }

  /** Sets a machine's capacity; a machine with no agent yet stays offline until one connects. Live claims stay. */
  registerMachine(name: string, capacity: Resources): Promise<LiveMachine> {
    this.leader.require("registering a machine");
    return this.registry.register(name, capacity);
  }

  /** Load samples (one a second, the last 15 minutes) of one machine or all, since `since` (epoch ms). */
  loadHistory(names?: readonly string[], since = 0): { name: string; samples: LoadSample[] }[] {
    return this.registry.loadHistory(names, since);
  }

  clusterLoad(since = 0): ClusterLoadSample[] {
    return this.registry.clusterLoad(since);
  }

  claimed(name: string): Record<string, number> {
    const { ledger } = this.loop.state;
    return ledger.has(name) ? ledger.used(name) : {};
  }

  free(name: string): Record<string, number> {
    const { ledger } = this.loop.state;
    return ledger.has(name) ? ledger.available(name) : {};
  }

  resourcesAvailable(name: string, request: Resources): boolean {
    const machine = this.registry.machines.get(name);
    return machine !== undefined && machine.status === "online" && fits(this.free(name), request);
  }

  // ---- runs ----------------------------------------------------------------------------------

  /** Validation (with each call checked against the online machines' function signatures) and feasibility against the live cluster. */
  check(dag: DagSpec): DagProblem[] {
    const secretNames = this.options.secretNames?.();
    return checkDag(dag, {
      machines: this.registry.infos(),
      signatures: { catalogue: functionCatalogue([...this.registry.machines.values()]), validateParams: validateJsonSchema },
      ...(secretNames === undefined ? {} : { secretNames }),
    });
  }

  /** The secrets attempt `attemptId` may receive, when it runs now on `name` over `link`; undefined otherwise. */
  attemptSecrets(name: string, link: AgentLink, attemptId: string): { readonly runId: string; readonly taskId: string; readonly names: ReadonlySet<string> } | undefined {
    if (!this.registry.linked(name, link)) return undefined;
    const attempt = this.loop.state.attempts.get(attemptId);
    const run = attempt === undefined ? undefined : this.loop.state.runs.get(attempt.runId);
    if (attempt === undefined || run === undefined || attempt.machine !== name) return undefined;
    return { runId: attempt.runId, taskId: run.compiled.tasks[attempt.task]?.id ?? "", names: attemptSecretNames(run.compiled, attempt.task) };
  }

  /** Why a task of a run the scheduler holds runs where it does, or what it waits for (undefined: not held). */
  explainTask(runId: string, taskId: string): TaskExplanation | undefined {
    return explainTask(this.loop.state, runId, taskId);
  }

  previewPlacement(dag: DagSpec, strategy: Strategy): PlacementPreview {
    const local = this.options.localMachine;
    return previewPlacement({ machines: this.registry.machines.values(), free: (name) => this.free(name), ...(local === undefined ? {} : { localMachine: local }) }, dag, strategy);
  }

  /** Persists the run, then hands it to the scheduler. Throws `RunRejectedError` (nothing persisted) for a bad DAG. */
  async submit(request: SubmitRequest): Promise<string> {
    this.leader.require("starting a run");
    const problems = this.check(request.dag);
    if (problems.length > 0) throw new RunRejectedError(problems);
    const runId = randomUUID();
    const rows = submittedRows(request.dag, request.reuse === undefined || request.reuse.length === 0);
    const newRun: NewRun = {
      id: runId,
      dagId: request.dagId,
      dagVersion: request.dagVersion,
      dagName: request.dagName ?? null,
      spec: request.file,
      options: request.options,
      status: "running",
      startedBy: request.startedBy,
      ...(request.parentRunId === undefined ? {} : { parentRunId: request.parentRunId, reason: request.reason ?? "recompute" }),
      ...(request.trigger === undefined ? {} : { reason: request.trigger.kind, triggerId: request.trigger.id }),
      idempotencyKey: request.idempotencyKey ?? null,
      params: request.params ?? null,
      template: request.template ?? null,
      tasks: rows.tasks,
    };
    // Replicas: fenced like every run-state write (a deposed leader's late insert is refused).
    await this.leader.fence((epoch) => this.db.runs.create(newRun, epoch));
    this.metrics.runsStarted += 1;
    const now = this.clock.now();
    const reused = request.reuse === undefined || request.reuse.length === 0 ? undefined : reuseResults({ machines: this.registry.machines, results: this.results, task: (row) => this.writer.task(row) }, runId, request.reuse, now);
    const { compiled, readyIds } = rows;
    this.loop.submit({ type: "run_submitted", now, runId, dag: request.dag, options: request.options, ...(reused ? { resume: reused } : {}), ...(compiled ? { compiled } : {}) }, readyIds.length > 0);
    // Rejected by the core after all (a machine left since `check`): nothing was queued, so its rows wait as before.
    if (readyIds.length > 0 && this.loop.isFinished(runId)) for (const taskId of readyIds) this.writer.task({ runId, taskId, state: TaskState.WaitingForDependencies, reason: null, attempts: 0 });
    this.writer.run({ runId, startedAt: new Date(now) });
    this.loop.scheduleFlush();
    return runId;
  }

  cancel(runId: string, reason = "cancelled by request"): boolean {
    this.leader.require("cancelling a run");
    if (this.resumer.cancel(runId, reason)) return true;
    if (!this.loop.isKnown(runId) || this.loop.isFinished(runId)) return false;
    this.loop.dispatch({ type: "run_cancel_requested", now: this.clock.now(), runId, reason });
    return true;
  }

  isActive(runId: string): boolean {
    return this.resumer.isResuming(runId) || (this.loop.isKnown(runId) && !this.loop.isFinished(runId));
  }

  /** Resolves with the run's outcome once it has finished and been written. */
  async outcome(runId: string): Promise<RunOutcome | undefined> {
    this.leader.require("waiting for a run's outcome");
    const pending = this.loop.outcome(runId, this.resumer.isResuming(runId));
    if (pending === undefined) return undefined;
    const outcome = await pending;
    await this.flushed();
    return outcome;
  }

  /** Calls `listener` with each tick's batch of the run's events. */
  subscribe(runId: string, listener: (batch: readonly RunEvent[]) => void): () => void {
    this.leader.require("watching a run");
    return this.runEvents.subscribe(runId, listener);
  }

  /** Every write queued so far has reached the database. */
  async flushed(): Promise<void> {
    this.loop.flush();
    await this.writer.flushed();
  }

  // ---- agent reports --------------------------------------------------------------------------

  finished(name: string, link: AgentLink, items: readonly TaskFinishedItem[]): void {
    const machine = this.registry.linked(name, link);
    if (!machine) return;
    for (const item of items) {
      if (!this.resumer.holdReport(name, item)) this.loop.finished(machine, item);
    }
  }

  logs(name: string, link: AgentLink, items: readonly TaskLogItem[]): void {
    const machine = this.registry.linked(name, link);
    if (machine) this.loop.logs(machine, items);
  }

  /** The holder dropped values: from now on they answer `evicted` at once, and the run's record says so. */
  resultsEvicted(name: string, link: AgentLink, items: readonly ResultEvictedItem[]): void {
    const machine = this.registry.linked(name, link);
    if (machine) this.loop.resultsEvicted(machine, items);
  }

  // ---- results --------------------------------------------------------------------------------

  /** Where a result can be read (lost and evicted ones included, with a recompute run's copy when there is one). */
  lookupResult(runId: string, taskId: string): Promise<ResultRef | undefined> {
    return this.results.lookup(runId, taskId);
  }

  /** Resolves when the result exists, or with undefined after `timeoutMs`. */
  waitForResult(runId: string, taskId: string, timeoutMs: number): Promise<ResultRef | undefined> {
    this.leader.require("waiting for a result");
    return this.results.waitFor(runId, taskId, timeoutMs);
  }

  registerResult(runId: string, taskId: string, ref: ResultRef): void {
    this.leader.require("storing a result");
    this.results.register(runId, taskId, ref);
  }

  /** A grant for `audience` to fetch (runId, taskId) from `holder`, signed with the holder's secret. */
  grantFor(holder: LiveMachine, runId: string, taskId: string, audience: string, encode?: { fn: string; args?: readonly unknown[] }, taskIds?: readonly string[]): string {
    this.leader.require("relaying a result from its holder");
    return grantFor(this.grants, holder, runId, taskId, audience, encode, taskIds);
  }

  metricsText(): string {
    const machinesByStatus: Record<string, number> = { online: 0, offline: 0, draining: 0 };
    for (const machine of this.registry.machines.values()) machinesByStatus[machine.status] = (machinesByStatus[machine.status] ?? 0) + 1;
    const { state } = this.loop;
    return this.metrics.render({ runsActive: state.activeRuns.length, attemptsRunning: state.attempts.size, machinesByStatus, cpu: process.cpuUsage() });
  }
}
