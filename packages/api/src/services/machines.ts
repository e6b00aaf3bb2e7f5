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
  loadHistory(name: string | undefined, sinceMs: number): { name: string; samples: LoadSample[] }[];
  /** Revokes the machine's identity and frees its name; false when the machine is unknown. */
  forget(name: string): Promise<boolean>;
  /** Overrides the host the machine's results are reached at (null: its socket's address). */
  setAddress(name: string, address: string | null): Promise<AddressChange>;
  /** The one-line command that installs and starts an agent with this join token. */
  installCommand(joinToken: string): string;
}
