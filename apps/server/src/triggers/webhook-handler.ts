import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AuditKind, describeApiError, startTriggeredRun, WEBHOOK_PATH_PREFIX, webhookTokenHash, type ApiServices } from "@handoff/api";
import type { Database } from "@handoff/db";
import { httpStatusOf, type Failure } from "@handoff/protocol";
import { TRPCError } from "@trpc/server";
import { clientAddress } from "../auth/client-address.ts";
import type { FailureThrottle } from "../auth/failure-throttle.ts";
import { readBody } from "../http/body-limits.ts";
import { sendFailure, sendJson } from "../http/send-json.ts";
import type { Logger } from "../log.ts";
import { openHmacKey } from "./webhook-hmac-key.ts";
import type { SecretsKeys } from "../secrets/secrets-key.ts";

/** The largest webhook body read (the run parameters); a bigger one is 413 and starts nothing. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;
/** The signature header: `sha256=` and the hex HMAC-SHA256 of the raw body under the webhook's key. */
const SIGNATURE_HEADER = "x-handoff-signature";
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface WebhookHandlerOptions {
  readonly db: Pick<Database, "webhooks">;
  readonly services: Pick<ApiServices, "dags" | "runs" | "audit">;
  readonly keys: SecretsKeys;
  readonly throttle: FailureThrottle;
  readonly trustedProxyHops: number;
  readonly cutOffBytes: number;
  readonly log: Logger;
  readonly now?: () => number;
}

/** Whether `header` is `sha256=<hex>` of the body's HMAC under `key` (compared in constant time). */
function signatureMatches(key: string, body: Buffer, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? "");
  if (!match) return false;
  const expected = createHmac("sha256", key).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, "hex"));
}

/**
 * `POST /hooks/<token>`: the one route that answers without an API credential — the URL's token is the credential
 * (looked up by its hash), and a signed webhook also needs `X-Handoff-Signature`. The JSON body is the run's
 * parameters, bound like `runs.start`'s: a bad one is 400 naming it, and nothing starts. Unknown tokens and bad
 * signatures count as failed authentication for the client address (429 past the limit). The token never reaches
 * a log line.
 * @example
 * if (await webhooks(request, response, pathname)) return;
 */
export function createWebhookHandler(options: WebhookHandlerOptions) {
  const now = options.now ?? Date.now;
  const refuse = (request: IncomingMessage, response: ServerResponse, failure: Failure): void => {
    const verdict = options.throttle.fail(clientAddress(request, options.trustedProxyHops), now());
    if (verdict.kind === "throttled") {
      return sendFailure(response, { kind: "too_many_requests", message: `too many refused webhook requests from this address; retry in ${verdict.retryAfterSeconds} s` }, { "Retry-After": String(verdict.retryAfterSeconds) });
    }
    sendFailure(response, failure);
  };

  return async function handleWebhook(request: IncomingMessage, response: ServerResponse, pathname: string): Promise<boolean> {
    if (!pathname.startsWith(WEBHOOK_PATH_PREFIX)) return false;
    const token = pathname.slice(WEBHOOK_PATH_PREFIX.length);
    if (request.method !== "POST") {
      sendFailure(response, { kind: "invalid_request", message: "a webhook takes POST with a JSON body (the run parameters)" }, { Allow: "POST" });
      return true;
    }
    const webhook = TOKEN_PATTERN.test(token) ? await options.db.webhooks.byTokenHash(webhookTokenHash(token)) : undefined;
    if (webhook === undefined || !webhook.enabled) {
      refuse(request, response, { kind: "not_found", message: "no webhook at this URL" });
      return true;
    }
    const body = await readBody(request, MAX_WEBHOOK_BODY_BYTES, options.cutOffBytes);
    const record = (status: number, outcome: "started" | "refused", reason: string | null, runId: string | null): void => {
      void options.db.webhooks.recordDelivery({ webhookId: webhook.id, at: new Date(now()), status, outcome, reason, runId }).catch((error: unknown) => options.log.error("recording a webhook delivery failed", { webhookId: webhook.id, error: String(error) }));
    };
    if (!body.ok) {
      record(413, "refused", body.message, null);
      sendFailure(response, { kind: "too_large", message: body.message });
      return true;
    }
    const opened = openHmacKey(options.keys, webhook);
    if (opened.kind === "unopenable") {
      record(500, "refused", opened.message, null);
      options.log.error("a webhook's HMAC key does not open", { webhookId: webhook.id, reason: opened.message });
      sendFailure(response, { kind: "internal", message: "this webhook's signing key cannot be opened on this server; an admin has to look at the server's log" });
      return true;
    }
    if (opened.kind === "key") {
      const key = opened.key;
      const header = request.headers[SIGNATURE_HEADER];
      const given = Array.isArray(header) ? header[0] : header;
      if (!signatureMatches(key, body.bytes, given)) {
        const reason = given === undefined ? "the X-Handoff-Signature header is missing" : "the X-Handoff-Signature does not match the body (sha256=<hex HMAC-SHA256 of the raw body>)";
        record(401, "refused", reason, null);
        options.services.audit.record({ kind: AuditKind.WebhookRefused, ip: clientAddress(request, options.trustedProxyHops), details: { webhookId: webhook.id, reason } });
        refuse(request, response, { kind: "unauthorized", message: reason });
        return true;
      }
    }
    const params = parseParams(body.text);
    if (!params.ok) {
      record(400, "refused", params.message, null);
      sendFailure(response, { kind: "invalid_request", message: params.message });
      return true;
    }
    try {
      const runId = await startTriggeredRun(options.services, { kind: "webhook", id: webhook.id, dag: { id: webhook.dagId, name: webhook.dagName } }, params.values);
      record(202, "started", null, runId);
      sendJson(response, 202, { runId });
    } catch (error) {
      if (!(error instanceof TRPCError)) throw error;
      const described = describeApiError(error, params.values);
      const failure = { ...(described.details ?? {}), ...(described.problems ? { problems: described.problems } : {}), kind: described.kind ?? "internal", message: described.message } as Failure;
      record(httpStatusOf(failure.kind), "refused", described.message.slice(0, 2000), null);
      sendFailure(response, failure);
    }
    return true;
  };
}

function parseParams(text: string): { readonly ok: true; readonly values: Record<string, unknown> } | { readonly ok: false; readonly message: string } {
  if (text.length === 0) return { ok: true, values: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `the body is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { ok: false, message: "the body must be a JSON object of run parameters by name ({} for none)" };
  return { ok: true, values: value as Record<string, unknown> };
}
