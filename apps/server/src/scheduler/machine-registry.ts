import { withMachineSlots, type MachineInfo, type Resources } from "@handoff/core";
import type { Database, MachineRecord } from "@handoff/db";
import type { AgentHeartbeat, AgentHello, FunctionMeta } from "@handoff/protocol";
import type { Logger } from "../log.ts";
import { admitMachine, type AdmissionRefusal } from "../machines/admit-machine.ts";
import { AttentiveClock } from "./attentive-clock.ts";
import type { Clock, TimerHandle, Timers } from "./clock.ts";
import { unfenced, type LeaderGate } from "./leadership.ts";
import { newGrantSecret, newMachine, resultUrlOf, type AgentLink, type LiveMachine } from "./live-machine.ts";
import { LoadHistory, type ClusterLoadSample, type LoadSample } from "./load-history.ts";

/** What the registry tells the scheduler; it never calls the scheduler itself. */
export type MachineEvent =
  /** Registered, loaded at start or (re)connected: the scheduler learns its capacity, functions and status. */
  | { readonly type: "machine_announced"; readonly machine: LiveMachine }
  | { readonly type: "machine_status_changed"; readonly name: string; readonly status: LiveMachine["status"] }
  /** Its agent's socket closed or stopped beating: the machine is offline and `lostAttempts` with it. */
  | { readonly type: "machine_went_offline"; readonly name: string; readonly lostAttempts: readonly string[]; readonly reason: string };

export interface AgentConnection {
  readonly hasJoinToken: boolean;
  readonly address: string;
  readonly resultPort: number;
}

/**
 * The machines the server knows: their connections, heartbeats, drain state and load history. In memory with
 * the database as its record today; several server replicas would share it (PostgreSQL/Redis) behind this.
 */
export interface MachineRegistry {
  readonly machines: ReadonlyMap<string, LiveMachine>;
  /** Loads the stored machines (all offline until their agents connect) and starts the heartbeat watchdog. */
  start(): Promise<void>;
  /** A standby replica: replaces what it knows with the stored machines as the leader wrote them (status included); writes nothing. */
  showRecords(records: readonly MachineRecord[]): void;
  stop(): void;
  onEvent(listener: (event: MachineEvent) => void): void;
  /** The machine, when `link` is its current connection (reports over an old socket are dropped). */
  linked(name: string, link: AgentLink): LiveMachine | undefined;
  /** Admits the agent by its identity (or binds one with a join token) and brings the machine online; announcing is the caller's. */
  connect(hello: AgentHello, link: AgentLink, connection: AgentConnection): Promise<{ ok: true; machine: LiveMachine } | AdmissionRefusal>;
  announce(machine: LiveMachine): void;
  /** The agent on `link` loaded shipped functions: it offers `functions` now (stored and announced). */
  offerFunctions(name: string, link: AgentLink, functions: FunctionMeta[]): Promise<void>;
  disconnect(name: string, link: AgentLink, reason: string): void;
  heartbeat(name: string, link: AgentLink, beat: AgentHeartbeat): void;
  register(name: string, capacity: Resources): Promise<LiveMachine>;
  setDraining(name: string, isDraining: boolean): Promise<LiveMachine | undefined>;
  setAddress(name: string, address: string | null): Promise<LiveMachine | undefined>;
  forget(name: string): Promise<boolean>;
  infos(): MachineInfo[];
  loadHistory(names: readonly string[] | undefined, since: number): { name: string; samples: LoadSample[] }[];
  clusterLoad(since: number): ClusterLoadSample[];
}

export interface MachineRegistryOptions {
  readonly db: Database;
  readonly log: Logger;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly heartbeatMs: number;
  readonly machineTimeoutMs: number;
  /** What the scheduler has claimed on a machine (sampled into the load history). */
  readonly claimedOf: (name: string) => Record<string, number>;
  readonly writeFailed: (error: unknown) => void;
  /** Replicas: every write of machine state carries the leader lease's epoch (default: one server, none). */
  readonly fence?: LeaderGate["fence"];
}

export class InMemoryMachineRegistry implements MachineRegistry {
  readonly machines = new Map<string, LiveMachine>();
  private readonly listeners: ((event: MachineEvent) => void)[] = [];
  private readonly history = new LoadHistory();
  private readonly heartbeatsToWrite = new Set<string>();
  private watchdog: TimerHandle | undefined;
  private isStopped = false;
  /** Heartbeats are judged on the server's attentive time: a busy server loop never makes its agents look silent. */
  private readonly attention: AttentiveClock;
  /** Each linked machine's last heartbeat (or connection), in attentive time. */
  private readonly heardAt = new Map<string, number>();

  private readonly fence: LeaderGate["fence"];

  constructor(private readonly options: MachineRegistryOptions) {
    this.attention = new AttentiveClock(options.clock);
    this.fence = options.fence ?? unfenced;
  }

  async start(): Promise<void> {
    const { db } = this.options;
    await this.fence((epoch) => db.machines.markAllOffline(epoch));
    this.machines.clear();
    for (const record of await db.machines.list()) {
      const machine = machineOf(record, record.status === "draining" ? "draining" : "offline");
      this.machines.set(machine.name, machine);
      this.announce(machine);
    }
    this.armWatchdog();
  }

  showRecords(records: readonly MachineRecord[]): void {
    this.machines.clear();
    for (const record of records) this.machines.set(record.name, machineOf(record, record.status));
  }

  stop(): void {
    this.isStopped = true;
    this.options.timers.clear(this.watchdog);
    for (const machine of this.machines.values()) machine.link?.disconnect("server shutting down");
  }

  onEvent(listener: (event: MachineEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: MachineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  linked(name: string, link: AgentLink): LiveMachine | undefined {
    const machine = this.machines.get(name);
    return machine?.link === link ? machine : undefined;
  }

  announce(machine: LiveMachine): void {
    this.emit({ type: "machine_announced", machine });
  }

  async offerFunctions(name: string, link: AgentLink, functions: FunctionMeta[]): Promise<void> {
    const machine = this.linked(name, link);
    if (!machine) return;
    machine.functions = functions;
    await this.store(machine);
    this.announce(machine);
  }

  async connect(hello: AgentHello, link: AgentLink, connection: AgentConnection): Promise<{ ok: true; machine: LiveMachine } | AdmissionRefusal> {
    const { db, log, clock } = this.options;
    const existing = this.machines.get(hello.name);
    const presentedKey = hello.identity.publicKey;
    const admission = admitMachine({ name: hello.name, boundKey: existing?.publicKey ?? null, presentedKey, hasJoinToken: connection.hasJoinToken });
    if (!admission.ok) {
      log.warn("agent refused", { machine: hello.name, kind: admission.kind, address: connection.address });
      return admission;
    }
    if (admission.isNewIdentity) {
      const claimed = existing ?? newMachine(hello.name, hello.capacity, "offline");
      claimed.publicKey = presentedKey; // in memory first: a concurrent hello for the same name sees it bound
      claimed.identitySince = clock.now();
      this.machines.set(claimed.name, claimed);
      if ((await db.machines.bindIdentity(hello.name, presentedKey, new Date(claimed.identitySince))) === "taken") {
        return { ok: false, kind: "forbidden", message: `machine "${hello.name}" belongs to another identity` };
      }
      log.info("machine identity bound", { machine: hello.name });
    }
    if (existing?.link && existing.link !== link) {
      existing.link.disconnect(`replaced by a new connection for machine "${hello.name}"`);
    }
    const machine = this.machines.get(hello.name) ?? newMachine(hello.name, hello.capacity, "online");
    machine.capacity = withMachineSlots(hello.capacity);
    machine.labels = hello.labels;
    machine.functions = hello.functions;
    machine.fetchesFunctions = hello.fetchesFunctions === true;
    machine.agentVersion = hello.agentVersion;
    machine.aheadDepth = hello.aheadDepth ?? 0;
    machine.preAssign = hello.preAssign === true;
    machine.fetchProofV2 = hello.fetchProofs?.includes(2) === true;
    machine.socketAddress = connection.address;
    machine.resultPort = connection.resultPort;
    machine.resultUrl = resultUrlOf(machine);
    machine.link = link;
    machine.grantSecret = newGrantSecret();
    machine.lastHeartbeatAt = clock.now();
    this.heardAt.set(machine.name, this.attention.now());
    if (machine.status === "offline") machine.status = "online";
    this.machines.set(machine.name, machine);
    await this.store(machine);
    return { ok: true, machine };
  }

  private async store(machine: LiveMachine): Promise<void> {
    const registration = {
      name: machine.name,
      capacity: machine.capacity,
      labels: machine.labels,
      functions: machine.functions,
      status: machine.status,
      agentVersion: machine.agentVersion,
      resultUrl: machine.resultUrl,
      lastHeartbeatAt: machine.lastHeartbeatAt === null ? null : new Date(machine.lastHeartbeatAt),
    };
    await this.fence((epoch) => this.options.db.machines.register(registration, epoch));
  }

  disconnect(name: string, link: AgentLink, reason: string): void {
    const machine = this.machines.get(name);
    if (!machine || machine.link !== link) return;
    machine.link = undefined;
    this.heardAt.delete(name);
    const lostAttempts = [...machine.running];
    machine.running.clear();
    if (machine.status !== "draining") machine.status = "offline";
    this.options.log.warn("machine offline", { machine: name, reason });
    this.emit({ type: "machine_went_offline", name, lostAttempts, reason });
    const status = machine.status === "draining" ? "draining" : "offline";
    void this.fence((epoch) => this.options.db.machines.setStatus(name, status, epoch)).catch(this.options.writeFailed);
  }

  heartbeat(name: string, link: AgentLink, beat: AgentHeartbeat): void {
    const machine = this.linked(name, link);
    if (!machine) return;
    machine.lastHeartbeatAt = this.options.clock.now();
    this.heardAt.set(name, this.attention.now());
    machine.cpuPercent = beat.cpuPercent;
    machine.memoryUsedMb = beat.memoryUsedMb;
    machine.memoryTotalMb = beat.memoryTotalMb;
    this.heartbeatsToWrite.add(name);
  }

  private armWatchdog(): void {
    if (this.isStopped) return;
    const interval = Math.max(50, Math.min(this.options.heartbeatMs, 1000));
    const dueAt = this.options.clock.now() + interval;
    this.watchdog = this.options.timers.set(interval, () => {
      const lateness = this.attention.noteFiredAt(dueAt);
      // Heartbeats sent meanwhile wait unread in the sockets: that stretch is the server's, not the agents' silence.
      if (lateness >= this.options.machineTimeoutMs / 2) this.options.log.warn("server event loop was busy", { ms: lateness, effect: "not counted against the agents' heartbeats" });
      this.checkHeartbeats();
      this.armWatchdog();
    });
  }

  /** Samples the load, disconnects machines silent for the timeout (in attentive time), and writes the heartbeats that came. */
  private checkHeartbeats(): void {
    const now = this.options.clock.now();
    const attentiveNow = this.attention.now();
    this.history.sample(now, this.machines.values(), this.options.claimedOf);
    for (const machine of this.machines.values()) {
      const heardAt = this.heardAt.get(machine.name);
      if (machine.link && heardAt !== undefined && attentiveNow - heardAt > this.options.machineTimeoutMs) {
        const link = machine.link;
        // The registry first, so the log names this reason (closing the socket reports "server namespace disconnect").
        this.disconnect(machine.name, link, `no heartbeat for ${attentiveNow - heardAt} ms of the server's attention (${now - (machine.lastHeartbeatAt ?? now)} ms on the clock)`);
        link.disconnect("missed heartbeats");
      }
    }
    if (this.heartbeatsToWrite.size > 0) {
      const names = [...this.heartbeatsToWrite];
      this.heartbeatsToWrite.clear();
      void this.fence((epoch) => this.options.db.machines.recordHeartbeats(names, new Date(now), epoch)).catch(this.options.writeFailed);
    }
  }

  async register(name: string, capacity: Resources): Promise<LiveMachine> {
    const machine = this.machines.get(name) ?? newMachine(name, capacity, "offline");
    machine.capacity = withMachineSlots(capacity);
    this.machines.set(name, machine);
    await this.store(machine);
    this.announce(machine);
    return machine;
  }

  async setDraining(name: string, isDraining: boolean): Promise<LiveMachine | undefined> {
    const machine = this.machines.get(name);
    if (!machine) return undefined;
    const status = isDraining ? "draining" : machine.link ? "online" : "offline";
    if (machine.status === status) return machine;
    machine.status = status;
    this.options.log.info(isDraining ? "machine draining" : "machine undrained", { machine: name, status });
    this.emit({ type: "machine_status_changed", name, status });
    await this.fence((epoch) => this.options.db.machines.setStatus(name, status, epoch));
    return machine;
  }

  async setAddress(name: string, address: string | null): Promise<LiveMachine | undefined> {
    const machine = this.machines.get(name);
    if (!machine) return undefined;
    machine.addressOverride = address;
    machine.resultUrl = resultUrlOf(machine) ?? machine.resultUrl;
    await this.options.db.machines.setAddressOverride(name, address);
    return machine;
  }

  async forget(name: string): Promise<boolean> {
    const machine = this.machines.get(name);
    if (!machine) return false;
    machine.publicKey = null;
    machine.identitySince = null;
    await this.options.db.machines.forgetIdentity(name);
    const link = machine.link;
    if (link) {
      link.send("machine:forgotten", { v: 1, machine: name });
      link.disconnect("forgotten by an admin");
      this.disconnect(name, link, "forgotten by an admin");
    }
    this.options.log.warn("machine forgotten", { machine: name });
    return true;
  }

  infos(): MachineInfo[] {
    return [...this.machines.values()].map((machine) => ({
      name: machine.name,
      capacity: machine.capacity,
      functions: new Set(machine.functions.map((fn) => fn.name)),
      status: machine.status,
    }));
  }

  loadHistory(names: readonly string[] | undefined, since: number): { name: string; samples: LoadSample[] }[] {
    const known = names === undefined ? [...this.machines.keys()].sort() : [...new Set(names)].filter((name) => this.machines.has(name)).sort();
    return known.map((machineName) => ({ name: machineName, samples: this.history.since(machineName, since) }));
  }

  clusterLoad(since: number): ClusterLoadSample[] {
    return this.history.clusterSince(since);
  }
}

/** A stored machine as the registry holds it (no connection). */
function machineOf(record: MachineRecord, status: LiveMachine["status"]): LiveMachine {
  const machine = newMachine(record.name, record.capacity, status);
  machine.labels = record.labels;
  machine.functions = Array.isArray(record.functions) ? (record.functions as FunctionMeta[]) : [];
  machine.agentVersion = record.agentVersion;
  machine.resultUrl = record.resultUrl;
  machine.publicKey = record.publicKey;
  machine.identitySince = record.identitySince?.getTime() ?? null;
  machine.addressOverride = record.addressOverride;
  machine.lastHeartbeatAt = record.lastHeartbeatAt?.getTime() ?? null;
  return machine;
}
