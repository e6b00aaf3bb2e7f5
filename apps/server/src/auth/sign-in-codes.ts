import { randomBytes } from "node:crypto";
import type { Database } from "@handoff/db";
import { hashToken } from "./tokens.ts";

/** How long a one-time sign-in code works. */
export const SignInCodeTtlMs = 10 * 60_000;

/**
 * One-time sign-in codes: the link `handoff start` prints (`/login?code=…`), or one an admin mints. A code
 * stands for the token it was minted for, works once, for 10 minutes, and is stored hashed. It is not a
 * credential for the API: only `/api/auth/login` takes it, to open a session.
 */
export class SignInCodeService {
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async mint(tokenId: string): Promise<{ code: string; expiresAt: Date }> {
    const code = randomBytes(18).toString("base64url");
    const now = this.now();
    const expiresAt = new Date(now + SignInCodeTtlMs);
    await this.db.signInCodes.create({ hash: hashToken(code), tokenId, createdAt: new Date(now), expiresAt });
    void this.db.signInCodes.deleteExpiredBefore(new Date(now - 24 * 3_600_000)).catch(() => undefined);
    return { code, expiresAt };
  }

  /** The token id the code stands for, once; `undefined` for unknown, used or expired codes. */
  async redeem(code: string): Promise<string | undefined> {
    if (code.length === 0 || code.length > 100) return undefined;
    const result = await this.db.signInCodes.redeem(hashToken(code), new Date(this.now()));
    return result.kind === "redeemed" ? result.tokenId : undefined;
  }
}
