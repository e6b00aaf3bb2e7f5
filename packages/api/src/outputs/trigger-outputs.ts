import { z } from "zod";
import { CATCH_UP_POLICIES } from "@handoff/core";
import { IsoDateTime } from "./shared-outputs.ts";

/** A schedule as the API shows it, with its next firing time (null when disabled or never again). */
export const ScheduleOut = z.object({
  id: z.string(),
  dagName: z.string(),
  cron: z.string(),
  timeZone: z.string(),
  params: z.record(z.string(), z.unknown()).nullable().describe("the run parameters every firing starts with"),
  enabled: z.boolean(),
  catchUp: z.enum(CATCH_UP_POLICIES).describe("what a server that was down fires for the times it missed"),
  catchUpLimit: z.number().int(),
  maxActiveRuns: z.number().int().describe("a firing while this many of the schedule's runs are active is skipped"),
  nextAt: IsoDateTime.nullable(),
  createdBy: z.string().nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});

/** One scheduled time: what it became, and the run it started. */
export const FiringOut = z.object({
  scheduledAt: IsoDateTime,
  firedAt: IsoDateTime,
  outcome: z.enum(["pending", "started", "skipped", "failed"]),
  reason: z.string().nullable(),
  runId: z.string().nullable(),
});

/** A webhook as the API shows it: never its token nor its HMAC key. */
export const WebhookOut = z.object({
  id: z.string(),
  dagName: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  signed: z.boolean().describe("requests must carry X-Handoff-Signature: sha256=<hex HMAC-SHA256 of the body>"),
  createdBy: z.string().nullable(),
  createdAt: IsoDateTime,
});

/** `webhooks.create`: the webhook, and its URL and HMAC key — shown this once, stored only hashed or sealed. */
export const CreatedWebhookOut = WebhookOut.extend({
  url: z.string().describe("POST a JSON object of run parameters here; the token in it is the credential"),
  hmacKey: z.string().nullable().describe("the HMAC-SHA256 key for X-Handoff-Signature (null when unsigned)"),
});

/** One request to a webhook: the status answered and the run started. */
export const DeliveryOut = z.object({
  at: IsoDateTime,
  status: z.number().int(),
  outcome: z.enum(["started", "refused"]),
  reason: z.string().nullable(),
  runId: z.string().nullable(),
});
