import type { DatabaseClient } from "./database-client.ts";

export interface NewSignInCode {
  /** sha-256 hex of the code; the code itself is never stored. */
  hash: string;
  tokenId: string;
  createdAt: Date;
  expiresAt: Date;
}

export type RedeemSignInCodeResult = { kind: "redeemed"; tokenId: string } | { kind: "invalid" };

export interface SignInCodeRepository {
  create(code: NewSignInCode): Promise<void>;
  /** Marks the code used if it is unused and not expired at `at`; a second redeem of the same code is `invalid`. */
  redeem(hash: string, at: Date): Promise<RedeemSignInCodeResult>;
  deleteExpiredBefore(before: Date): Promise<number>;
}

/**
 * One-time sign-in codes. Redeeming is one conditional UPDATE, so two servers (or two tabs) racing on the
 * same code cannot both win.
 * @example
 * await codes.create({ hash, tokenId, createdAt: now, expiresAt: new Date(now.getTime() + 600_000) });
 * const result = await codes.redeem(hash, new Date()); // { kind: "redeemed", tokenId } once, then { kind: "invalid" }
 */
export function createSignInCodeRepository(client: DatabaseClient): SignInCodeRepository {
  return {
    async create(code) {
      await client.signInCode.create({ data: code });
    },

    async redeem(hash, at) {
      const result = await client.signInCode.updateMany({ where: { hash, usedAt: null, expiresAt: { gt: at } }, data: { usedAt: at } });
      if (result.count === 0) return { kind: "invalid" };
      const row = await client.signInCode.findUnique({ where: { hash }, select: { tokenId: true } });
      return row === null ? { kind: "invalid" } : { kind: "redeemed", tokenId: row.tokenId };
    },

    async deleteExpiredBefore(before) {
      return (await client.signInCode.deleteMany({ where: { expiresAt: { lt: before } } })).count;
    },
  };
}
