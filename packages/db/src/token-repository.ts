import { randomUUID } from "node:crypto";
import type { DatabaseClient } from "./database-client.ts";
import type { Token } from "./generated/sqlite/client.ts";

export const TokenKind = { Admin: "admin", User: "user", Join: "join", Scrape: "scrape" } as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface TokenRecord {
  id: string;
  name: string;
  kind: TokenKind;
  /** sha-256 hex of the secret; the secret itself is never stored. */
  hash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: string | null;
  /** Refused from this instant on; null = no expiry. */
  expiresAt: Date | null;
}

export interface NewToken {
  name: string;
  kind: TokenKind;
  hash: string;
  createdBy: string | null;
  expiresAt?: Date | null;
}

export type RevokeTokenResult =
  | { kind: "revoked"; token: TokenRecord }
  | { kind: "already_revoked"; token: TokenRecord }
  | { kind: "not_found"; id: string };

export interface TokenRepository {
  create(token: NewToken): Promise<TokenRecord>;
  /** Revoked tokens are returned too: check `revokedAt`. */
  findByHash(hash: string): Promise<TokenRecord | undefined>;
  findById(id: string): Promise<TokenRecord | undefined>;
  touch(id: string, at: Date): Promise<void>;
  revoke(id: string, at: Date): Promise<RevokeTokenResult>;
  /** Oldest first. */
  list(): Promise<TokenRecord[]>;
}

const sha256Hex = /^[0-9a-f]{64}$/;
export const toTokenRecord = (row: Token): TokenRecord => ({ ...row, kind: row.kind as TokenKind });

/**
 * Storage of API, join and scrape tokens by the sha-256 of their secret.
 * @example
 * const tokens = createTokenRepository(client);
 * const hash = createHash("sha256").update(secret).digest("hex");
 * await tokens.create({ name: "ci", kind: "user", hash, createdBy: "admin" });
 * const found = await tokens.findByHash(hash);
 */
export function createTokenRepository(client: DatabaseClient): TokenRepository {
  return {
    async create(token) {
      if (!sha256Hex.test(token.hash)) throw new TypeError("token hash must be sha-256 as 64 lowercase hex digits");
      const row = await client.token.create({ data: { id: randomUUID(), ...token } });
      return toTokenRecord(row);
    },

    async findByHash(hash) {
      const row = await client.token.findUnique({ where: { hash } });
      return row === null ? undefined : toTokenRecord(row);
    },

    async findById(id) {
      const row = await client.token.findUnique({ where: { id } });
      return row === null ? undefined : toTokenRecord(row);
    },

    async touch(id, at) {
      await client.token.updateMany({ where: { id }, data: { lastUsedAt: at } });
    },

    async revoke(id, at) {
      return client.$transaction(async (tx) => {
        const row = await tx.token.findUnique({ where: { id } });
        if (row === null) return { kind: "not_found", id } as const;
        if (row.revokedAt !== null) return { kind: "already_revoked", token: toTokenRecord(row) } as const;
        const updated = await tx.token.update({ where: { id }, data: { revokedAt: at } });
        return { kind: "revoked", token: toTokenRecord(updated) } as const;
      });
    },

    async list() {
      const rows = await client.token.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      return rows.map(toTokenRecord);
    },
  };
}
