import { join } from "node:path";
import { startAgent, type AgentOptions, type RunningAgent } from "./agent.ts";
import type { AgentLog } from "./connection.ts";
import { createSharedLoadSampler } from "./machine/load-sampler.ts";

export type SimulateOptions = {
  readonly serverUrl: string;
  /** Replicas: every server URL in order (see `AgentOptions.serverUrls`). */
  readonly serverUrls?: readonly string[];
  /** A join token: each simulated machine binds its own identity at its first join. */
  readonly token?: string;
  /** How many machines (1 to `MAX_SIMULATED_MACHINES`). */
  readonly count: number;
  /** Machines are named `<prefix>-1` … `<prefix>-<count>` (default `sim`). */
  readonly prefix?: string;
  /** Announced by every machine (default `{ cpu: 4, memory: 8192, slots: 4 }`). */
  readonly capacity?: Readonly<Record<string, number>>;
  /** Each machine keeps its identity key and spilled results in `<dataDir>/<name>`. */
  readonly dataDir: string;
  /** Machines starting at once (default 25): each start is a connection, a challenge and a signed hello. */
  readonly concurrency?: number;
  readonly resultHost?: string;
  readonly log?: AgentLog;
  readonly onFatal?: AgentOptions["onFatal"];
};

export type SimulatedMachines = {
  readonly machines: readonly RunningAgent[];
  /** Every machine welcomed by the server. */
  readonly welcomed: Promise<void>;
  stop(): Promise<void>;
};

/** The most machines one process simulates (each holds a socket, a result server and a result store). */
export const MAX_SIMULATED_MACHINES = 1000;
const DEFAULT_CAPACITY = { cpu: 4, memory: 8192, slots: 4 } as const;
const RESULT_MEMORY_MB = 16;
/** The simulated machines share one host: its load is sampled at most this often for all their heartbeats. */
const LOAD_SAMPLE_MS = 500;

/**
 * Many machines in one process, for load tests and benches: each is a real agent (its own identity key, socket.io
 * connection, hello, heartbeats, result store and signed result server) whose functions are the standard library,
 * called on the process's own thread instead of in worker threads (`inProcess`). Each carries the label
 * `simulator=<prefix>`, so the dashboard and placement can tell them from real machines.
 * @example
 * const sim = await simulateMachines({ serverUrl, token, count: 200, dataDir: "/tmp/sim" });
 * await sim.welcomed;
 */
export async function simulateMachines(options: SimulateOptions): Promise<SimulatedMachines> {
  if (!Number.isInteger(options.count) || options.count < 1 || options.count > MAX_SIMULATED_MACHINES) {
    throw new RangeError(`count must be a whole number from 1 to ${MAX_SIMULATED_MACHINES}, got ${options.count}`);
  }
  const prefix = options.prefix ?? "sim";
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 25, options.count));
  const machines: RunningAgent[] = [];
  const sampleLoad = createSharedLoadSampler(LOAD_SAMPLE_MS);
  let nextIndex = 1;
  const startOne = async (): Promise<void> => {
    while (nextIndex <= options.count) {
      const name = `${prefix}-${nextIndex++}`;
      machines.push(
        await startAgent({
          serverUrl: options.serverUrl,
          ...(options.serverUrls === undefined ? {} : { serverUrls: options.serverUrls }),
          ...(options.token === undefined ? {} : { token: options.token }),
          name,
          capacity: options.capacity ?? DEFAULT_CAPACITY,
          dataDir: join(options.dataDir, name),
          memoryBudgetMb: RESULT_MEMORY_MB,
          labels: { simulator: prefix },
          inProcess: true,
          sampleLoad,
          ...(options.resultHost === undefined ? {} : { resultHost: options.resultHost }),
          ...(options.log === undefined ? {} : { log: options.log }),
          ...(options.onFatal === undefined ? {} : { onFatal: options.onFatal }),
        }),
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, startOne));
  } catch (error) {
    await Promise.all(machines.map((machine) => machine.stop()));
    throw error;
  }
  const welcomed = Promise.all(machines.map((machine) => machine.welcomed)).then(() => undefined);
  welcomed.catch(() => undefined);
  return { machines, welcomed, stop: async () => void (await Promise.all(machines.map((machine) => machine.stop()))) };
}
