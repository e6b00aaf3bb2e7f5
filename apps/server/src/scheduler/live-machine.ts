import { randomBytes } from "node:crypto";
import { withMachineSlots, type Resources } from "@handoff/core";
import type { FunctionMeta } from "@handoff/protocol";
import { holderUrl } from "../machines/holder-url.ts";

import type { AgentLink } from "../gateway/agent-link.ts";

/** The server side of one connected agent, typed from protocol's catalogue (absent while offline). */
export type { AgentLink };

export interface LiveMachine {
  readonly name: string;
  capacity: Resources;
  labels: Record<string, string>;
  functions: FunctionMeta[];
  /** Its agent loads shipped function bundles (`--fetch-functions`, said in its hello). */
  fetchesFunctions: boolean;
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
  /** Attempts its agent takes beyond its free slots (its hello's `aheadDepth`; 0 for an agent that did not say). */
  aheadDepth: number;
  /** Its agent holds pre-assigned attempts until their producers' values land (its hello's `preAssign`). */
  preAssign: boolean;
  /** Its result server accepts version-2 fetch proofs (its hello's `fetchProofs`): grants for its values say so. */
  fetchProofV2: boolean;
  lastHeartbeatAt: number | null;
  cpuPercent: number | null;
  memoryUsedMb: number | null;
  memoryTotalMb: number | null;
  readonly running: Set<string>;
}

export const newGrantSecret = (): string => randomBytes(32).toString("base64url");

export function newMachine(name: string, capacity: Resources, status: LiveMachine["status"]): LiveMachine {
  return {
    name,
    capacity: withMachineSlots(capacity),
    labels: {},
    functions: [],
    fetchesFunctions: false,
    status,
    agentVersion: null,
    resultUrl: null,
    link: undefined,
    publicKey: null,
    identitySince: null,
    addressOverride: null,
    socketAddress: null,
    resultPort: null,
    grantSecret: newGrantSecret(),
    storeId: null,
    aheadDepth: 0,
    preAssign: false,
    fetchProofV2: false,
    lastHeartbeatAt: null,
    cpuPercent: null,
    memoryUsedMb: null,
    memoryTotalMb: null,
    running: new Set(),
  };
}

export function resultUrlOf(machine: LiveMachine): string | null {
  const host = machine.addressOverride ?? machine.socketAddress;
  return host === null || machine.resultPort === null ? null : holderUrl(host, machine.resultPort);
}


