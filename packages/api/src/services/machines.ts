import type { Resources } from "@handoff/core";
import type { FunctionMeta } from "@handoff/protocol";

/** A machine as the API shows it: what it offers, what is claimed on it, and how it is doing. */
export interface MachineView {
  name: string;
  status: "online" | "offline" | "draining";
  capacity: Record<string, number>;
  claimed: Record<string, number>;
  free: Record<string, number>;
  labels: Record<string, string>;
  functions: FunctionMeta[];
  lastHeartbeatAt: string | null;
  agentVersion: string | null;
  resultUrl: string | null;
  cpuPercent: number | null;
  memoryUsedMb: number | null;
  memoryTotalMb: number | null;
  runningAttempts: number;
  local: boolean;
}

/** One load sample a second per machine: claimed vs capacity, measured CPU and memory. */
export interface LoadSample {
  readonly at: number;
  readonly capacity: Record<string, number>;
  readonly claimed: Record<string, number>;
  readonly cpuPercent: number | null;
  readonly memoryUsedMb: number | null;
  readonly memoryTotalMb: number | null;
  readonly running: number;
}

/** The whole cluster's load at one sampling instant: the online machines' sums (CPU is their mean). */
export interface ClusterLoadSample {
  readonly at: number;
  /** Machines online at that instant. */
  readonly online: number;
  readonly capacity: Record<string, number>;
  readonly claimed: Record<string, number>;
  /** Mean over the online machines that reported one; null when none did. */
  readonly cpuPercent: number | null;
  readonly memoryUsedMb: number;
  readonly memoryTotalMb: number;
  readonly running: number;
}

export type AddressChange =
  | { readonly kind: "changed"; readonly machine: MachineView }
  | { readonly kind: "not_found" }
  | { readonly kind: "invalid"; readonly message: string };

/** The machine registry as the API may see it: views and admin actions, never sockets or secrets. */
export interface MachinesService {
  /** Every known machine, sorted by name. */
  list(): MachineView[];
  get(name: string): MachineView | undefined;
  register(name: string, capacity: Resources): Promise<MachineView>;
  /** Whether `request` fits what is free on the machine now (false when it is not online). */
  resourcesAvailable(name: string, request: Resources): boolean;
  free(name: string): Record<string, number>;
  /** A draining machine takes no new tasks; undefined when the machine is unknown. */
  setDraining(name: string, draining: boolean): Promise<MachineView | undefined>;
  /** The samples taken after `sinceMs` of the named machines (every machine when `names` is undefined), unknown names skipped. */
  loadHistory(names: readonly string[] | undefined, sinceMs: number): { name: string; samples: LoadSample[] }[];
  /** The cluster's summed load taken after `sinceMs` (one sample per sampling instant). */
  clusterLoad(sinceMs: number): ClusterLoadSample[];
  /** Revokes the machine's identity and frees its name; false when the machine is unknown. */
  forget(name: string): Promise<boolean>;
  /** Overrides the host the machine's results are reached at (null: its socket's address). */
  setAddress(name: string, address: string | null): Promise<AddressChange>;
  /** The one-line command that installs and starts an agent with this join token. */
  installCommand(joinToken: string): string;
}
