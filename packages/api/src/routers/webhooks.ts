import { createHash, randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { WebhookRecord } from "@handoff/db";
import type { ApiContext } from "../context.ts";
import { CreatedWebhookOut, DeliveryOut, WebhookOut } from "../outputs/trigger-outputs.ts";
import { AuditKind } from "../services/audit.ts";
import { DagName, dagNamed } from "../trigger-run.ts";
import { ApiError, adminProcedure, router, userProcedure } from "../trpc.ts";

const WebhookId = z.string().min(1).max(100);
/** The most requests `history` lists at once. */
export const MAX_DELIVERIES_LISTED = 200;

/** Where webhooks are called: `POST /hooks/<token>`. */
export const WEBHOOK_PATH_PREFIX = "/hooks/";

/** SHA-256 (hex) of a webhook's URL token: what is stored and looked up; the token is never kept. */
export function webhookTokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function webhookView(webhook: WebhookRecord) {
  return {
    id: webhook.id,
    dagName: webhook.dagName,
    name: webhook.name,
    enabled: webhook.enabled,
    signed: webhook.hmacSealed !== null,
    createdBy: webhook.createdBy,
    createdAt: webhook.createdAt.toISOString(),
  };
}

async function webhookOf(ctx: ApiContext, id: string): Promise<WebhookRecord> {
  const webhook = await ctx.triggers.webhooks.get(id);
  if (!webhook) throw new ApiError("NOT_FOUND", `no webhook "${id}"`);
  return webhook;
}

export const webhooksRouter = router({
  /** A saved DAG's webhooks (never their tokens or keys). */
  list: userProcedure.input(z.object({ dag: DagName })).output(z.array(WebhookOut)).query(async ({ ctx, input }) => {
    const dag = await dagNamed(ctx.dags, input.dag);
    return (await ctx.triggers.webhooks.list(dag.id)).map(webhookView);
  }),

  /**
   * A webhook for a saved DAG: its URL (a 256-bit token) and, when `signed`, its HMAC-SHA256 key are in this answer
   * only — the server keeps the token's hash and the key sealed.
   */
  create: adminProcedure
    .input(z.object({ dag: DagName, name: z.string().trim().min(1, "the name is empty").max(100), signed: z.boolean().default(true) }))
    .output(CreatedWebhookOut)
    .mutation(async ({ ctx, input }) => {
      const dag = await dagNamed(ctx.dags, input.dag);
      const id = randomUUID();
      const token = randomBytes(32).toString("base64url");
      const hmacKey = input.signed ? randomBytes(32).toString("hex") : null;
      const sealed = hmacKey === null ? null : ctx.triggers.sealHmacKey(id, hmacKey);
      const created = await ctx.triggers.webhooks.create({
        id,
        dagId: dag.id,
        name: input.name,
        tokenHash: webhookTokenHash(token),
        hmacSealed: sealed?.sealed ?? null,
        hmacKeyId: sealed?.keyId ?? null,
        createdBy: ctx.principal.name,
        createdAt: new Date(),
      });
      ctx.audit.record({ kind: AuditKind.WebhookCreated, actor: ctx.principal, ip: ctx.clientAddress, details: { id, dag: input.dag, name: input.name, signed: input.signed } });
      return { ...webhookView(created), url: `${ctx.publicUrl()}${WEBHOOK_PATH_PREFIX}${token}`, hmacKey };
    }),

  /** Turns a webhook off (its URL answers 404) or on again. */
  update: adminProcedure.input(z.object({ id: WebhookId, enabled: z.boolean() })).output(WebhookOut).mutation(async ({ ctx, input }) => {
    const updated = await ctx.triggers.webhooks.setEnabled(input.id, input.enabled);
    if (!updated) throw new ApiError("NOT_FOUND", `no webhook "${input.id}"`);
    ctx.audit.record({ kind: AuditKind.WebhookUpdated, actor: ctx.principal, ip: ctx.clientAddress, details: { id: input.id, enabled: input.enabled } });
    return webhookView(updated);
  }),

  delete: adminProcedure.input(z.object({ id: WebhookId })).output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx, input }) => {
    if (!(await ctx.triggers.webhooks.delete(input.id))) throw new ApiError("NOT_FOUND", `no webhook "${input.id}"`);
    ctx.audit.record({ kind: AuditKind.WebhookDeleted, actor: ctx.principal, ip: ctx.clientAddress, details: { id: input.id } });
    return { ok: true as const };
  }),

  /** The webhook's latest requests, newest first: the status answered and the run started. */
  history: userProcedure
    .input(z.object({ id: WebhookId, limit: z.number().int().min(1).max(MAX_DELIVERIES_LISTED).default(50) }))
    .output(z.array(DeliveryOut))
    .query(async ({ ctx, input }) => {
      await webhookOf(ctx, input.id);
      return (await ctx.triggers.webhooks.deliveries(input.id, input.limit)).map((delivery) => ({
        at: delivery.at.toISOString(),
        status: delivery.status,
        outcome: delivery.outcome,
        reason: delivery.reason,
        runId: delivery.runId,
      }));
    }),
});
