import type { KeyObject } from "node:crypto";
import { generateMachineKey, loadMachineKey } from "@handoff/protocol/machine-identity";
import { prepareAgentDataDir, readOrCreateKeyFile } from "./agent-data-dir.ts";

export type MachineIdentity = { readonly privateKey: KeyObject; readonly publicKey: string; readonly isNew: boolean };

/**
 * The agent's identity: its Ed25519 key pair, kept in its private data dir (created on first start). The server binds
 * the machine's name to the public key at the first join; from then on the key, not a token, is the credential.
 * @example const identity = loadMachineIdentity("/home/ada/.local/share/handoff/agent/gpu-1");
 */
export function loadMachineIdentity(dataDir: string): MachineIdentity {
  prepareAgentDataDir(dataDir);
  const { pem, created } = readOrCreateKeyFile(dataDir, () => generateMachineKey().privateKeyPem);
  const key = loadMachineKey(pem);
  return { privateKey: key.privateKey, publicKey: key.publicKey, isNew: created };
}
