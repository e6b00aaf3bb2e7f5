import { z } from "zod";
import { ApiError, adminProcedure, router } from "../trpc.ts";

export const tokensRouter = router({
  list: adminProcedure.query(async ({ ctx }) =>
    (await ctx.db.tokens.list()).map((token) => ({
      id: token.id,
      name: token.name,
      kind: token.kind,
      createdAt: token.createdAt.toISOString(),
      lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
      revokedAt: token.revokedAt?.toISOString() ?? null,
      createdBy: token.createdBy,
    })),
  ),

  create: adminProcedure
    .input(z.object({ name: z.string().trim().min(1).max(100), kind: z.enum(["admin", "user", "join", "scrape"]) }))
    .mutation(({ ctx, input }) => ctx.tokens.create(input.name, input.kind, ctx.principal.name)),

  revoke: adminProcedure.input(z.object({ id: z.string().min(1).max(100) })).mutation(async ({ ctx, input }) => {
    const result = await ctx.tokens.revoke(input.id);
    if (result === "not_found") throw new ApiError("NOT_FOUND", `no token with id "${input.id}"`);
    return { ok: true as const, alreadyRevoked: result === "already_revoked" };
  }),
});
