import type { MachinesService, MachineView } from "@handoff/api";
import { installCommand } from "../http/install.ts";
import { checkAddressOverride } from "../machines/holder-url.ts";
import type { Engine, LiveMachine } from "../scheduler/engine.ts";

/** The server's side of the machines service: the API's view, plus what only the server may read. */
export interface ServerMachines extends MachinesService {
  /** The machine's live entry (its socket and secret): for the server's own collaborators, never the API. */
  live(name: string): LiveMachine | undefined;
  /** The identity key bound to the machine's name (base64url SPKI), null when none is. */
  publicKeyOf(name: string): string | null;
}

export interface MachinesServiceOptions {
  readonly engine: Engine;
  /** The machine the server treats as local (`HANDOFF_LOCAL_MACHINE`). */
  readonly localMachine: string | undefined;
  readonly publicUrl: () => string;
}

/**
 * The machine registry for the API: views and admin actions over the engine's public methods. This is the one place
 * that reads the engine's live machine map; nothing it returns to the API holds a socket or a secret.
 * @example
 * const machines = createMachinesService({ engine, localMachine: "laptop", publicUrl: () => url });
 * machines.list(); // [{ name: "laptop", status: "online", free: { cpu: 4, slots: 4 }, ... }]
 */
export function createMachinesService(options: MachinesServiceOptions): ServerMachines {
  const { engine, localMachine } = options;
  const live = (name: string): LiveMachine | undefined => engine.machines.get(name);
  const view = (machine: LiveMachine): MachineView => ({
    name: machine.name,
    status: machine.status,
    capacity: machine.capacity,
    claimed: engine.claimed(machine.name),
    free: engine.free(machine.name),
    labels: machine.labels,
    functions: machine.functions,
    lastHeartbeatAt: machine.lastHeartbeatAt === null ? null : new Date(machine.lastHeartbeatAt).toISOString(),
    agentVersion: machine.agentVersion,
    resultUrl: machine.resultUrl,
    cpuPercent: machine.cpuPercent,
    memoryUsedMb: machine.memoryUsedMb,
    memoryTotalMb: machine.memoryTotalMb,
    runningAttempts: machine.running.size,
    local: machine.name === localMachine,
  });
  const viewOf = (machine: LiveMachine | undefined): MachineView | undefined => (machine === undefined ? undefined : view(machine));
  return {
    live,
    publicKeyOf: (name) => live(name)?.publicKey ?? null,
    list: () => [...engine.machines.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(view),
    get: (name) => viewOf(live(name)),
    register: async (name, capacity) => view(await engine.registerMachine(name, capacity)),
    resourcesAvailable: (name, request) => engine.resourcesAvailable(name, request),
    free: (name) => engine.free(name),
    setDraining: async (name, draining) => viewOf(await engine.setDraining(name, draining)),
    loadHistory: (names, sinceMs) => engine.loadHistory(names, sinceMs),
    clusterLoad: (sinceMs) => engine.clusterLoad(sinceMs),
    forget: (name) => engine.forgetMachine(name),
    async setAddress(name, address) {
      const problem = address === null ? undefined : checkAddressOverride(address);
      if (problem !== undefined) return { kind: "invalid", message: problem };
      const machine = await engine.setAddress(name, address);
      return machine === undefined ? { kind: "not_found" } : { kind: "changed", machine: view(machine) };
    },
    installCommand: (token) => installCommand({ publicUrl: options.publicUrl(), token }),
  };
}
