import { randomBytes } from "node:crypto";
import type { DatabaseClient } from "./database-client.ts";

export interface AuditRecord {
  id: string;
  at: Date;
  kind: string;
  actorTokenId: string | null;
  actorName: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditRecord, "id">;

export interface AuditQuery {
  kinds?: readonly string[];
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  limit: number;
}

export interface AuditPage {
  events: AuditRecord[];
  /** Set when older events remain. */
  nextCursor: string | null;
}

export interface AuditRepository {
  append(event: NewAuditEvent): Promise<AuditRecord>;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditPage>;
  /** Deletes events older than `before`, then all but the newest `keep`. */
  prune(before: Date, keep: number): Promise<number>;
}

/** Cursor: `<at ms>_<id>` of the last event of a page. */
const parseCursor = (cursor: string): { at: Date; id: string } | undefined => {
  const match = /^(\d{1,15})_(.{1,100})$/.exec(cursor);
  return match ? { at: new Date(Number(match[1])), id: match[2]! } : undefined;
};

/**
 * The audit trail: append-only, listed newest first, pruned by age and count.
 * @example
 * await audit.append({ at: new Date(), kind: "token.created", actorTokenId, actorName: "admin", ip: "127.0.0.1", details: { name: "ci" } });
 * const { events, nextCursor } = await audit.list({ limit: 50, kinds: ["token.created"] });
 */
export function createAuditRepository(client: DatabaseClient): AuditRepository {
  // Ids sort like the events (time, then order of append in this process), so equal instants keep their order.
  let sequence = 0;
  const nextId = (at: Date): string => `${String(at.getTime()).padStart(15, "0")}-${String(sequence++ % 1e6).padStart(6, "0")}-${randomBytes(4).toString("hex")}`;
  return {
    async append(event) {
      const row = await client.auditEvent.create({ data: { id: nextId(event.at), ...event, details: JSON.stringify(event.details) } });
      return { ...row, details: event.details };
    },

    async list({ kinds, cursor, limit }) {
      const after = cursor === undefined ? undefined : parseCursor(cursor);
      if (cursor !== undefined && after === undefined) throw new TypeError(`invalid audit cursor "${cursor}"`);
      const rows = await client.auditEvent.findMany({
        where: {
          ...(kinds && kinds.length > 0 ? { kind: { in: [...kinds] } } : {}),
          ...(after ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] } : {}),
        },
        orderBy: [{ at: "desc" }, { id: "desc" }],
        take: limit + 1,
      });
      const page = rows.slice(0, limit).map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
      const last = page.at(-1);
      return { events: page, nextCursor: rows.length > limit && last ? `${last.at.getTime()}_${last.id}` : null };
    },

    async prune(before, keep) {
      let deleted = (await client.auditEvent.deleteMany({ where: { at: { lt: before } } })).count;
      const boundary = await client.auditEvent.findFirst({ orderBy: [{ at: "desc" }, { id: "desc" }], skip: keep, select: { at: true, id: true } });
      if (boundary) {
        deleted += (
          await client.auditEvent.deleteMany({ where: { OR: [{ at: { lt: boundary.at } }, { at: boundary.at, id: { lte: boundary.id } }] } })
        ).count;
      }
      return deleted;
    },
  };
}
