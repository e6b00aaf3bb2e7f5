import type { AuditPage, Database } from "@handoff/db";
import type { Logger } from "../log.ts";
import type { Principal } from "./tokens.ts";

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
} as const;
export type AuditKind = (typeof AuditKind)[keyof typeof AuditKind];
export const AuditKinds = Object.values(AuditKind) as [AuditKind, ...AuditKind[]];

/** Bounds of the table: events older than 90 days go, and never more than 100,000 rows. */
export const AuditRetention = { maxAgeMs: 90 * 24 * 3_600_000, maxEvents: 100_000, pruneEvery: 500 } as const;

export interface AuditEntry {
  readonly kind: AuditKind;
  /** Who did it; omitted for failures (no valid credential). */
  readonly actor?: Pick<Principal, "tokenId" | "name"> | undefined;
  /** From where: the client address (see clientAddress). */
  readonly ip?: string | undefined;
  readonly details?: Record<string, unknown>;
}

/**
 * The audit trail: who did what, when and from where. `record` never throws (an audit write that fails is
 * logged, the action it describes has happened already) and never blocks the caller.
 * @example
 * ctx.audit.record({ kind: AuditKind.MachineForgotten, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: name } });
 */
export class AuditLog {
  private sincePrune = 0;
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  record(entry: AuditEntry): void {
    void this.write(entry);
  }

  /** Waits for the write (tests, and callers that must order events). */
  async write(entry: AuditEntry): Promise<void> {
    try {
      await this.db.audit.append({
        at: new Date(this.now()),
        kind: entry.kind,
        actorTokenId: entry.actor?.tokenId ?? null,
        actorName: entry.actor?.name ?? null,
        ip: entry.ip ?? null,
        details: entry.details ?? {},
      });
      if (++this.sincePrune >= AuditRetention.pruneEvery) await this.prune();
    } catch (error) {
      this.log.error("audit write failed", { kind: entry.kind, error: error instanceof Error ? error.message : String(error) });
    }
  }

  async prune(): Promise<number> {
    this.sincePrune = 0;
    return this.db.audit.prune(new Date(this.now() - AuditRetention.maxAgeMs), AuditRetention.maxEvents);
  }

  list(query: { kinds?: readonly AuditKind[]; cursor?: string; limit: number }): Promise<AuditPage> {
    return this.db.audit.list(query);
  }
}
