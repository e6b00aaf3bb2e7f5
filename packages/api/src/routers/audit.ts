import { z } from "zod";
import { AuditKinds } from "../services/audit.ts";
import { ApiError, adminProcedure, router } from "../trpc.ts";
import { AuditPageOut } from "../outputs/catalogue-outputs.ts";

export const auditRouter = router({
  /** The audit trail, newest first, a page at a time (`cursor` = the previous page's `nextCursor`). */
  list: adminProcedure
    .input(
      z
        .object({
          kinds: z.array(z.enum(AuditKinds)).max(AuditKinds.length).optional(),
          cursor: z.string().max(200).nullish(),
          limit: z.number().int().min(1).max(200).default(50),
        })
        // Not strict: infinite queries (the dashboard) add `direction`.
        .optional(),
    )
    .output(AuditPageOut)
    .query(async ({ ctx, input }) => {
      try {
        const page = await ctx.audit.list({ limit: input?.limit ?? 50, ...(input?.kinds ? { kinds: input.kinds } : {}), ...(input?.cursor ? { cursor: input.cursor } : {}) });
        return {
          events: page.events.map((event) => ({ ...event, at: event.at.toISOString() })),
          nextCursor: page.nextCursor,
          /** Every kind the trail records (the dashboard's filter). */
          kinds: AuditKinds,
        };
      } catch (error) {
        if (error instanceof TypeError) throw new ApiError("BAD_REQUEST", error.message);
        throw error;
      }
    }),
});
