import { randomBytes } from "node:crypto";
import type { Database, SessionRecord, TokenRecord } from "@handoff/db";
import type { Principal } from "@handoff/api";
import { InMemoryCredentialCache, type CredentialCache } from "./credential-cache.ts";
import { hashToken, isTokenLive } from "./tokens.ts";

/** A session ends after 12 h without a request, and 7 days after sign-in at the latest. */
export const SessionPolicy = { idleMs: 12 * 3_600_000, absoluteMs: 7 * 24 * 3_600_000 } as const;

export interface SessionServiceOptions {
  readonly now?: () => number;
  readonly recheckMs?: number;
  readonly maxCached?: number;
  /** Where verified sessions are kept (in memory by default; a shared one for several replicas). */
  readonly cache?: CredentialCache<CachedSession>;
}

export interface CachedSession {
  session: SessionRecord;
  token: TokenRecord;
  readAt: number;
}

/**
 * Dashboard sessions. The cookie holds a random secret (`hs_…`); the database keeps only its hash, so a
 * session survives a restart and works on every server. Sessions are revoked by logout, or with the token
 * behind them. Like tokens, a cached session is read again after `recheckMs`.
 */
export class SessionService {
  private readonly cache: CredentialCache<CachedSession>;
  private readonly revokeListeners = new Set<(sessionId: string) => void>();
  private readonly now: () => number;
  private readonly recheckMs: number;

  constructor(
    private readonly db: Database,
    options: SessionServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.recheckMs = options.recheckMs ?? 5_000;
    this.cache = options.cache ?? new InMemoryCredentialCache(options.maxCached ?? 10_000);
  }

  /** Opens a session for a token that was just verified; answers the cookie secret (never stored). */
  async create(principal: Principal, client: { userAgent: string | null; ip: string | null }): Promise<{ secret: string; sessionId: string; expiresAt: Date }> {
    const secret = `hs_${randomBytes(32).toString("base64url")}`;
    const now = this.now();
    const token = await this.db.tokens.findById(principal.tokenId);
    const tokenEnd = token?.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const expiresAt = new Date(Math.min(now + SessionPolicy.absoluteMs, tokenEnd));
    const session = await this.db.sessions.create({
      hash: hashToken(secret),
      tokenId: principal.tokenId,
      createdAt: new Date(now),
      expiresAt,
      userAgent: client.userAgent?.slice(0, 300) ?? null,
      ip: client.ip,
    });
    return { secret, sessionId: session.id, expiresAt };
  }

  async authenticate(secret: string | undefined): Promise<Principal | undefined> {
    if (!secret || secret.length > 512 || !secret.startsWith("hs_")) return undefined;
    const hash = hashToken(secret);
    const now = this.now();
    let entry = this.cache.get(hash);
    if (!entry || now - entry.readAt > this.recheckMs) {
      const found = await this.db.sessions.findByHash(hash);
      if (!found) {
        this.cache.delete(hash);
        return undefined;
      }
      entry = { ...found, readAt: now };
      this.cache.set(hash, entry);
    }
    const { session, token } = entry;
    if (!isSessionLive(session, now) || !isTokenLive(token, now)) return undefined;
    if (token.kind !== "admin" && token.kind !== "user") return undefined;
    // `lastSeenAt` slides the idle limit: written at most once a minute per session.
    if (now - session.lastSeenAt.getTime() > 60_000) {
      session.lastSeenAt = new Date(now);
      void this.db.sessions.touch(session.id, session.lastSeenAt).catch(() => undefined);
    }
    return { tokenId: token.id, name: token.name, kind: token.kind, sessionId: session.id, expiresAt: session.expiresAt };
  }

  /** Logout: ends one session at once (on this server; within `recheckMs` on others). */
  async revoke(sessionId: string): Promise<boolean> {
    const revoked = await this.db.sessions.revoke(sessionId, new Date(this.now()));
    this.cache.deleteWhere((entry) => entry.session.id === sessionId);
    for (const listener of this.revokeListeners) listener(sessionId);
    return revoked;
  }

  /** Ends every session opened with a token (the token was revoked). */
  async revokeByToken(tokenId: string): Promise<void> {
    // Forget cached sessions first (synchronously): the next request re-reads the token, already revoked.
    this.forgetToken(tokenId);
    const ids = await this.db.sessions.revokeByToken(tokenId, new Date(this.now()));
    this.forgetToken(tokenId);
    for (const id of ids) for (const listener of this.revokeListeners) listener(id);
  }

  /** Replicas: a session ended through another server (its message came over Redis): forget it here at once. */
  forgetRevoked(sessionId: string): void {
    this.cache.deleteWhere((entry) => entry.session.id === sessionId);
  }

  /** Forgets the cached sessions opened with a token (revoked here or on another replica). */
  forgetToken(tokenId: string): void {
    this.cache.deleteWhere((entry) => entry.token.id === tokenId);
  }

  onRevoke(listener: (sessionId: string) => void): () => void {
    this.revokeListeners.add(listener);
    return () => this.revokeListeners.delete(listener);
  }

  /** Deletes sessions that ended more than a day ago. */
  async prune(): Promise<number> {
    return this.db.sessions.deleteEndedBefore(new Date(this.now() - 24 * 3_600_000));
  }

}

export function isSessionLive(session: Pick<SessionRecord, "revokedAt" | "expiresAt" | "lastSeenAt">, now: number): boolean {
  return session.revokedAt === null && session.expiresAt.getTime() > now && now - session.lastSeenAt.getTime() < SessionPolicy.idleMs;
}
