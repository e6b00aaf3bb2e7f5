import type { AuditEntry, AuditKind, AuditService } from "@handoff/api";
import type { AuditPage, Database } from "@handoff/db";
import type { Logger } from "../log.ts";

/** Bounds of the table: events older than 90 days go, and never more than 100,000 rows. */
export const AuditRetention = { maxAgeMs: 90 * 24 * 3_600_000, maxEvents: 100_000, pruneEvery: 500 } as const;

/**
 * The audit trail: who did what, when and from where. `record` never throws (an audit write that fails is
 * logged, the action it describes has happened already) and never blocks the caller.
 * @example
 * ctx.audit.record({ kind: AuditKind.MachineForgotten, actor: ctx.principal, ip: ctx.clientAddress, details: { machine: name } });
 */
export class AuditLog implements AuditService {
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
