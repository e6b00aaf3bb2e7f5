import { z } from "zod";
import { AuditKind } from "../services/audit.ts";
import { MaxTokenLifetimeHours } from "../services/tokens.ts";
import { ApiError, adminProcedure, router } from "../trpc.ts";
import { CreatedTokenOut, TokenOut } from "../outputs/catalogue-outputs.ts";

export const tokensRouter = router({
  list: adminProcedure.output(z.array(TokenOut)).query(async ({ ctx }) =>
    (await ctx.tokens.list()).map((token) => ({
      id: token.id,
      name: token.name,
      kind: token.kind,
      createdAt: token.createdAt.toISOString(),
      lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
      revokedAt: token.revokedAt?.toISOString() ?? null,
      expiresAt: token.expiresAt?.toISOString() ?? null,
      createdBy: token.createdBy,
    })),
  ),

  create: adminProcedure
    .input(
      z.object({
        name: z.string().trim().min(1).max(100),
        kind: z.enum(["admin", "user", "join", "scrape"]),
        /** The token is refused after this many hours; omitted = no expiry. */
        expiresInHours: z.number().positive().max(MaxTokenLifetimeHours).optional(),
      }),
    )
    .output(CreatedTokenOut)
    .mutation(async ({ ctx, input }) => {
      const created = await ctx.tokens.create(input.name, input.kind, ctx.principal.name, { expiresInHours: input.expiresInHours });
      ctx.audit.record({
        kind: AuditKind.TokenCreated,
        actor: ctx.principal,
        ip: ctx.clientAddress,
        details: { tokenId: created.id, name: input.name, kind: input.kind, expiresAt: created.expiresAt },
      });
      return created;
    }),

  revoke: adminProcedure.input(z.object({ id: z.string().min(1).max(100) })).output(z.object({ ok: z.literal(true), alreadyRevoked: z.boolean() })).mutation(async ({ ctx, input }) => {
    const result = await ctx.tokens.revoke(input.id);
    if (result === "not_found") throw new ApiError("NOT_FOUND", `no token with id "${input.id}"`);
    if (result === "revoked") {
      const token = await ctx.tokens.find(input.id);
      ctx.audit.record({ kind: AuditKind.TokenRevoked, actor: ctx.principal, ip: ctx.clientAddress, details: { tokenId: input.id, name: token?.name, kind: token?.kind } });
    }
    return { ok: true as const, alreadyRevoked: result === "already_revoked" };
  }),
});
