import type { TokenKind, TokenRecord } from "@handoff/db";

/** Bounds of `expiresInHours` (tRPC, CLI, dashboard): up to one year. */
export const MaxTokenLifetimeHours = 24 * 366;

/** API tokens: only hashes are stored; a revocation ends the token's live subscriptions at once. */
export interface TokensService {
  list(): Promise<TokenRecord[]>;
  find(id: string): Promise<TokenRecord | undefined>;
  create(name: string, kind: TokenKind, createdBy: string | null, options: { expiresInHours?: number | undefined }): Promise<{ id: string; token: string; expiresAt: string | null }>;
  revoke(id: string): Promise<"revoked" | "already_revoked" | "not_found">;
}
