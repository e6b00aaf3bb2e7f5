import { createHash, randomBytes } from "node:crypto";
import type { Database, TokenKind, TokenRecord } from "@handoff/db";

/** Rights per token kind. */
export const TokenRights = {
  admin: "everything",
  user: "DAGs and runs: design, save, start, watch, cancel, read results",
  join: "agents only: connect a machine",
  scrape: "GET /metrics only",
} as const satisfies Record<TokenKind, string>;

export function hashToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** A new secret: `hf_<kind>_<32 random bytes, base64url>`. The kind prefix helps people, never the server. */
export function generateSecret(kind: TokenKind): string {
  return `hf_${kind}_${randomBytes(32).toString("base64url")}`;
}

export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly kind: TokenKind;
}

/**
 * Verifies tokens against the database. Revocation takes effect at once: `revoke` goes through here,
 * and the small cache only keeps tokens that were valid when last read.
 */
export class TokenService {
  private readonly cache = new Map<string, { record: TokenRecord; touchedAt: number }>();
  private readonly revokeListeners = new Set<(tokenId: string) => void>();

  constructor(private readonly db: Database) {}

  async create(name: string, kind: TokenKind, createdBy: string | null): Promise<{ id: string; token: string }> {
    const token = generateSecret(kind);
    const record = await this.db.tokens.create({ name, kind, hash: hashToken(token), createdBy });
    return { id: record.id, token };
  }

  async authenticate(secret: string | undefined): Promise<Principal | undefined> {
    if (!secret || secret.length > 512) return undefined;
    const hash = hashToken(secret);
    const now = Date.now();
    let entry = this.cache.get(hash);
    if (!entry) {
      const record = await this.db.tokens.findByHash(hash);
      if (!record || record.revokedAt) return undefined;
      entry = { record, touchedAt: 0 };
      this.cache.set(hash, entry);
    }
    // `lastUsedAt` is informative: written at most once a minute per token.
    if (now - entry.touchedAt > 60_000) {
      entry.touchedAt = now;
      void this.db.tokens.touch(entry.record.id, new Date(now)).catch(() => undefined);
    }
    return { tokenId: entry.record.id, name: entry.record.name, kind: entry.record.kind };
  }

  async revoke(id: string): Promise<"revoked" | "already_revoked" | "not_found"> {
    const result = await this.db.tokens.revoke(id, new Date());
    for (const [hash, entry] of this.cache) if (entry.record.id === id) this.cache.delete(hash);
    if (result.kind !== "not_found") for (const listener of this.revokeListeners) listener(id);
    return result.kind;
  }

  onRevoke(listener: (tokenId: string) => void): void {
    this.revokeListeners.add(listener);
  }
}
