import { createHash, randomBytes } from "node:crypto";
import { MaxTokenLifetimeHours, type Principal } from "@handoff/api";
import type { Database, TokenKind, TokenRecord } from "@handoff/db";
import { InMemoryCredentialCache, type CredentialCache } from "./credential-cache.ts";

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


/** Whether a token works at `now`: not revoked, not expired. */
export function isTokenLive(record: Pick<TokenRecord, "revokedAt" | "expiresAt">, now: number): boolean {
  return record.revokedAt === null && (record.expiresAt === null || record.expiresAt.getTime() > now);
}

export function principalOfToken(record: TokenRecord): Principal {
  return { tokenId: record.id, name: record.name, kind: record.kind, ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}) };
}

export interface TokenServiceOptions {
  readonly now?: () => number;
  /** How long a cached token is trusted before it is read again (a revocation by another server shows after this). */
  readonly recheckMs?: number;
  readonly maxCached?: number;
  /** Where verified tokens are kept (in memory by default; a shared one for several replicas). */
  readonly cache?: CredentialCache<CachedToken>;
}

/** A verified token as cached: its record, when it was read, and when `lastUsedAt` was last written. */
export interface CachedToken {
  record: TokenRecord;
  readAt: number;
  touchedAt: number;
}

/**
 * Verifies tokens against the database. Revocation on this server takes effect at once (`revoke` goes
 * through here and notifies `onRevoke` listeners); one made by another server shows within `recheckMs`
 * (5 s), since cached tokens are read again after that. Expiry is checked at every use.
 */
export class TokenService {
  private readonly cache: CredentialCache<CachedToken>;
  private readonly revokeListeners = new Set<(tokenId: string) => void>();
  private readonly now: () => number;
  private readonly recheckMs: number;

  constructor(
    private readonly db: Database,
    options: TokenServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.recheckMs = options.recheckMs ?? 5_000;
    this.cache = options.cache ?? new InMemoryCredentialCache(options.maxCached ?? 10_000);
  }

  async create(
    name: string,
    kind: TokenKind,
    createdBy: string | null,
    options: { expiresInHours?: number | undefined } = {},
  ): Promise<{ id: string; token: string; expiresAt: string | null }> {
    const hours = options.expiresInHours;
    if (hours !== undefined && !(Number.isFinite(hours) && hours > 0 && hours <= MaxTokenLifetimeHours)) {
      throw new RangeError(`expiresInHours must be > 0 and ≤ ${MaxTokenLifetimeHours}, got ${hours}`);
    }
    const expiresAt = hours === undefined ? null : new Date(this.now() + hours * 3_600_000);
    const token = generateSecret(kind);
    const record = await this.db.tokens.create({ name, kind, hash: hashToken(token), createdBy, expiresAt });
    return { id: record.id, token, expiresAt: expiresAt?.toISOString() ?? null };
  }

  async authenticate(secret: string | undefined): Promise<Principal | undefined> {
    if (!secret || secret.length > 512) return undefined;
    const hash = hashToken(secret);
    const now = this.now();
    let entry = this.cache.get(hash);
    if (!entry || now - entry.readAt > this.recheckMs) {
      const record = await this.db.tokens.findByHash(hash);
      if (!record) {
        this.cache.delete(hash);
        return undefined;
      }
      entry = { record, readAt: now, touchedAt: entry?.touchedAt ?? 0 };
      this.cache.set(hash, entry);
    }
    if (!isTokenLive(entry.record, now)) return undefined;
    // `lastUsedAt` is informative: written at most once a minute per token.
    if (now - entry.touchedAt > 60_000) {
      entry.touchedAt = now;
      void this.db.tokens.touch(entry.record.id, new Date(now)).catch(() => undefined);
    }
    return principalOfToken(entry.record);
  }

  /** The principal of a live token by id (a redeemed sign-in code names its token by id). */
  async principalById(id: string): Promise<Principal | undefined> {
    const record = await this.db.tokens.findById(id);
    return record && isTokenLive(record, this.now()) ? principalOfToken(record) : undefined;
  }

  async revoke(id: string): Promise<"revoked" | "already_revoked" | "not_found"> {
    const result = await this.db.tokens.revoke(id, new Date(this.now()));
    this.cache.deleteWhere((entry) => entry.record.id === id);
    if (result.kind !== "not_found") for (const listener of this.revokeListeners) listener(id);
    return result.kind;
  }

  /** Replicas: a token revoked through another server (its message came over Redis): forget it here at once. */
  forgetRevoked(id: string): void {
    this.cache.deleteWhere((entry) => entry.record.id === id);
  }

  /** Called with the token's id whenever a token is revoked through this server. */
  onRevoke(listener: (tokenId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

}
