import { randomUUID } from "node:crypto";
import type { DatabaseClient } from "./database-client.ts";
import { toTokenRecord, type TokenRecord } from "./token-repository.ts";

export interface SessionRecord {
  id: string;
  /** sha-256 hex of the cookie's secret; the secret itself is never stored. */
  hash: string;
  tokenId: string;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
  revokedAt: Date | null;
  userAgent: string | null;
  ip: string | null;
}

export interface NewSession {
  hash: string;
  tokenId: string;
  createdAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

export interface SessionRepository {
  create(session: NewSession): Promise<SessionRecord>;
  /** The session with the token behind it (revoked or expired ones too: the caller decides). */
  findByHash(hash: string): Promise<{ session: SessionRecord; token: TokenRecord } | undefined>;
  touch(id: string, at: Date): Promise<void>;
  /** Revokes one session; false when it does not exist or was already revoked. */
  revoke(id: string, at: Date): Promise<boolean>;
  /** Revokes every live session of a token; answers their ids. */
  revokeByToken(tokenId: string, at: Date): Promise<string[]>;
  /** Deletes sessions that ended (expired or revoked) before `before`. */
  deleteEndedBefore(before: Date): Promise<number>;
}

const sha256Hex = /^[0-9a-f]{64}$/;

/**
 * Dashboard sessions by the sha-256 of their cookie secret.
 * @example
 * const sessions = createSessionRepository(client);
 * await sessions.create({ hash, tokenId, createdAt: now, expiresAt, userAgent: null, ip: "127.0.0.1" });
 */
export function createSessionRepository(client: DatabaseClient): SessionRepository {
  return {
    async create(session) {
      if (!sha256Hex.test(session.hash)) throw new TypeError("session hash must be sha-256 as 64 lowercase hex digits");
      return client.session.create({ data: { id: randomUUID(), ...session, lastSeenAt: session.createdAt } });
    },

    async findByHash(hash) {
      const row = await client.session.findUnique({ where: { hash }, include: { token: true } });
      if (row === null) return undefined;
      const { token, ...session } = row;
      return { session, token: toTokenRecord(token) };
    },

    async touch(id, at) {
      await client.session.updateMany({ where: { id }, data: { lastSeenAt: at } });
    },

    async revoke(id, at) {
      const result = await client.session.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
      return result.count > 0;
    },

    async revokeByToken(tokenId, at) {
      return client.$transaction(async (tx) => {
        const live = await tx.session.findMany({ where: { tokenId, revokedAt: null }, select: { id: true } });
        await tx.session.updateMany({ where: { tokenId, revokedAt: null }, data: { revokedAt: at } });
        return live.map((row) => row.id);
      });
    },

    async deleteEndedBefore(before) {
      const result = await client.session.deleteMany({ where: { OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] } });
      return result.count;
    },
  };
}
