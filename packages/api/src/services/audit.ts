import type { AuditPage } from "@handoff/db";
import type { Principal } from "./caller.ts";

/** What the audit trail records. */
export const AuditKind = {
  TokenCreated: "token.created",
  TokenRevoked: "token.revoked",
  MachineDrained: "machine.drained",
  MachineUndrained: "machine.undrained",
  MachineForgotten: "machine.forgotten",
  MachineAddressSet: "machine.address_set",
  SignedIn: "auth.signed_in",
  SignedOut: "auth.signed_out",
  SignInCodeMinted: "auth.sign_in_code_minted",
  AuthFailed: "auth.failed",
  AuthThrottled: "auth.throttled",
  SecretCreated: "secret.created",
  SecretUpdated: "secret.updated",
  SecretDeleted: "secret.deleted",
  /** An agent received secrets for an attempt (names, machine, run, task; never a value). */
  SecretUsed: "secret.used",
  /** An admin pushed a function bundle (hash, file name, functions). */
  FunctionBundlePushed: "function_bundle.pushed",
  ScheduleCreated: "schedule.created",
  ScheduleUpdated: "schedule.updated",
  ScheduleDeleted: "schedule.deleted",
  WebhookCreated: "webhook.created",
  WebhookUpdated: "webhook.updated",
  WebhookDeleted: "webhook.deleted",
  /** A request to a webhook URL was refused (bad signature): the webhook's id, never its token. */
  WebhookRefused: "webhook.refused",
} as const;
export type AuditKind = (typeof AuditKind)[keyof typeof AuditKind];
export const AuditKinds = Object.values(AuditKind) as [AuditKind, ...AuditKind[]];

export interface AuditEntry {
  readonly kind: AuditKind;
  /** Who did it; omitted for failures (no valid credential). */
  readonly actor?: Pick<Principal, "tokenId" | "name"> | undefined;
  /** From where: the client address. */
  readonly ip?: string | undefined;
  readonly details?: Record<string, unknown>;
}

/** The audit trail: `record` never throws nor blocks (the action it describes has happened already). */
export interface AuditService {
  record(entry: AuditEntry): void;
  list(query: { kinds?: readonly AuditKind[]; cursor?: string; limit: number }): Promise<AuditPage>;
}
