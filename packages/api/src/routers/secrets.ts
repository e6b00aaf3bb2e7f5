import { SECRET_NAME_PATTERN } from "@handoff/core";
import { MAX_SECRET_BYTES } from "@handoff/protocol";
import { z } from "zod";
import { AuditKind } from "../services/audit.ts";
import { ApiError, adminProcedure, router } from "../trpc.ts";

const SecretName = z.string().regex(SECRET_NAME_PATTERN, "a letter, then up to 99 letters, digits, _ . -");

/** What anyone is shown of a secret: never its value. */
const SecretView = z.object({
  name: z.string(),
  size: z.number().int().nonnegative(),
  keyId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type SecretView = z.infer<typeof SecretView>;

export const secretsRouter = router({
  /** Every secret's name and metadata (size, who and when), never a value. */
  list: adminProcedure.output(z.array(SecretView)).query(async ({ ctx }) =>
    (await ctx.secrets.list()).map((secret) => ({
      name: secret.name,
      size: secret.size,
      keyId: secret.keyId,
      createdAt: secret.createdAt.toISOString(),
      updatedAt: secret.updatedAt.toISOString(),
      createdBy: secret.createdBy,
      updatedBy: secret.updatedBy,
    })),
  ),

  /** Creates a secret or replaces its value; the answer says which, never the value. */
  set: adminProcedure
    .input(
      z.object({
        name: SecretName,
        value: z
          .string()
          .min(1, "the value is empty")
          .refine((value) => Buffer.byteLength(value, "utf8") <= MAX_SECRET_BYTES, `the value is longer than ${MAX_SECRET_BYTES} bytes`),
      }),
    )
    .output(z.object({ name: z.string(), created: z.boolean(), size: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      const { created, size } = await ctx.secrets.set(input.name, input.value, ctx.principal.name);
      ctx.audit.record({ kind: created ? AuditKind.SecretCreated : AuditKind.SecretUpdated, actor: ctx.principal, ip: ctx.clientAddress, details: { name: input.name, size } });
      return { name: input.name, created, size };
    }),

  delete: adminProcedure
    .input(z.object({ name: SecretName }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      if (!(await ctx.secrets.delete(input.name))) throw new ApiError("NOT_FOUND", `no secret named "${input.name}"`);
      ctx.audit.record({ kind: AuditKind.SecretDeleted, actor: ctx.principal, ip: ctx.clientAddress, details: { name: input.name } });
      return { ok: true as const };
    }),
});
