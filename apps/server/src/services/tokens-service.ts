import type { TokensService } from "@handoff/api";
import type { Database } from "@handoff/db";
import type { TokenService } from "../auth/tokens.ts";

/**
 * Tokens for the API: creation and revocation go through the token service (its cache, its revocation listeners that
 * end live subscriptions), listing reads the repository.
 */
export function createTokensService({ tokens, db }: { readonly tokens: TokenService; readonly db: Database }): TokensService {
  return {
    list: () => db.tokens.list(),
    find: (id) => db.tokens.findById(id),
    create: (name, kind, createdBy, options) => tokens.create(name, kind, createdBy, options),
    revoke: (id) => tokens.revoke(id),
  };
}
