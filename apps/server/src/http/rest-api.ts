import type { IncomingMessage, ServerResponse } from "node:http";
import { TRPCError } from "@trpc/server";
import { appRouter, createCallerFactory, describeApiError, matchRestOperation, openApiDocument, restInput, restOperations, type ApiContext, type ApiServices } from "@handoff/api";
import { ErrorKind } from "@handoff/core";
import { httpStatusOf, toApiErrorBody } from "@handoff/protocol";
import type { Authentication } from "../auth/authenticator.ts";
import type { LiveCredentials } from "../auth/live-credentials.ts";
import type { Logger } from "../log.ts";
import { apiDocsPage } from "./api-docs-page.ts";
import { DAG_PROCEDURES, readBody, type BodyLimits } from "./body-limits.ts";
import { sendFailure, sendJson } from "./send-json.ts";

export const OPENAPI_PATH = "/api/openapi.json";
export const API_DOCS_PATH = "/api/docs";


export interface RestApiOptions {
  readonly services: ApiServices;
  readonly authenticate: (request: IncomingMessage) => Promise<Authentication>;
  readonly live: LiveCredentials;
  readonly limits: BodyLimits;
  readonly cutOffBytes: number;
  readonly log: Logger;
  readonly version: string;
  /** The URL clients reach this server at (the document's `servers`). */
  readonly publicUrl: () => string;
}

export type RestApiHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;

/**
 * The tRPC procedures as REST (`REST_ROUTES` in @handoff/api), their OpenAPI document at `/api/openapi.json` and a
 * docs page at `/api/docs`. A REST call is the procedure called through a tRPC caller with the same context as
 * /api/trpc (token, live credential), so its checks, limits and output schema are the procedure's own; only the
 * error shape differs: `{ error: ApiErrorBody }` with the kind's HTTP status.
 * @returns a handler that resolves true when it answered, false for a path that is not its own
 */
export function createRestApi(options: RestApiOptions): RestApiHandler {
  const operations = restOperations(appRouter);
  const createCaller = createCallerFactory(appRouter);
  let cached: { url: string; text: string } | undefined;
  const documentText = (): string => {
    const url = options.publicUrl();
    if (cached?.url !== url) cached = { url, text: JSON.stringify(openApiDocument(operations, { title: "Handoff API", version: options.version, serverUrl: url })) };
    return cached.text;
  };

  const principalOf = async (request: IncomingMessage, response: ServerResponse) => {
    const auth = await options.authenticate(request);
    if (auth.kind === "authenticated" && (auth.principal.kind === "admin" || auth.principal.kind === "user")) return { principal: auth.principal, address: auth.address };
    if (auth.kind === "authenticated") sendFailure(response, { kind: ErrorKind.Forbidden, message: `a ${auth.principal.kind} token cannot use the API` });
    else if (auth.kind === "refused" && auth.retryAfterSeconds !== undefined) {
      sendFailure(response, { kind: ErrorKind.TooManyRequests, message: `too many failed authentications from ${auth.address}; retry in ${auth.retryAfterSeconds} s` }, { "Retry-After": String(auth.retryAfterSeconds) });
    } else sendFailure(response, { kind: ErrorKind.Unauthorized, message: "a valid admin or user token is required (Authorization: Bearer …)" });
    return undefined;
  };

  return async (request, response, url) => {
    const method = request.method ?? "GET";
    if (url.pathname === OPENAPI_PATH || url.pathname === API_DOCS_PATH) {
      if (method !== "GET" && method !== "HEAD") {
        sendFailure(response, { kind: ErrorKind.InvalidRequest, message: `${url.pathname} answers GET only` }, { Allow: "GET, HEAD" });
        return true;
      }
      if (url.pathname === API_DOCS_PATH) {
        const auth = await options.authenticate(request);
        if (auth.kind !== "authenticated" || (auth.principal.kind !== "admin" && auth.principal.kind !== "user")) {
          response.writeHead(302, { Location: `/login?next=${encodeURIComponent(API_DOCS_PATH)}` });
          response.end();
          return true;
        }
        apiDocsPage(response, JSON.parse(documentText()) as Parameters<typeof apiDocsPage>[1]);
        return true;
      }
      if (!(await principalOf(request, response))) return true;
      const text = documentText();
      response.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-cache" });
      response.end(method === "HEAD" ? undefined : text);
      return true;
    }
    const matched = matchRestOperation(operations, method, url.pathname);
    if (matched.operation === undefined) {
      if (matched.allowed.length === 0) return false;
      const allowed = [...new Set(matched.allowed)].sort().join(", ");
      sendJson(response, 405, { error: toApiErrorBody({ kind: ErrorKind.InvalidRequest, message: `${url.pathname} answers ${allowed}, not ${method}` }) }, { Allow: allowed });
      return true;
    }
    const { operation, params } = matched;
    const caller = await principalOf(request, response);
    if (!caller) return true;

    let body: unknown;
    if (method !== "GET" && method !== "DELETE") {
      const limit = DAG_PROCEDURES.has(operation.procedure) ? options.limits.maxDagBytes : options.limits.maxMessageBytes;
      const read = await readBody(request, limit, options.cutOffBytes);
      if (!read.ok) {
        sendFailure(response, { kind: ErrorKind.TooLarge, message: read.message });
        return true;
      }
      if (read.text.trim() !== "") {
        try {
          body = JSON.parse(read.text);
        } catch (error) {
          sendFailure(response, { kind: ErrorKind.InvalidRequest, message: `the body is not JSON: ${error instanceof Error ? error.message : String(error)}` });
          return true;
        }
      }
    }
    const input = restInput(operation, params, url.searchParams, body);
    const watched = options.live.watch(caller.principal);
    const aborted = new AbortController();
    response.once("close", () => {
      watched.release();
      if (!response.writableFinished) aborted.abort();
    });
    const ctx: ApiContext = { ...options.services, principal: caller.principal, clientAddress: caller.address, credentialSignal: watched.signal };
    try {
      const procedure = operation.procedure.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], createCaller(ctx, { signal: aborted.signal })) as (input: unknown) => Promise<unknown>;
      const result = await procedure(input);
      sendJson(response, 200, result ?? null);
    } catch (cause) {
      const error = cause instanceof TRPCError ? cause : new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "the server failed to answer; see its log", cause });
      if (error.code === "INTERNAL_SERVER_ERROR") options.log.error("api error", { procedure: operation.procedure, error: error.message, cause: String(error.cause) });
      const described = describeApiError(error, input);
      const kind = described.kind ?? ErrorKind.Internal;
      const details = {
        ...described.details,
        ...(described.problems && described.problems.length > 0 ? { problems: described.problems } : {}),
        ...(described.issues ? { issues: described.issues } : {}),
      };
      const status = error.code === "TIMEOUT" ? 408 : httpStatusOf(kind);
      sendJson(response, status, { error: { kind, message: described.message, ...(Object.keys(details).length > 0 ? { details } : {}) } });
    }
    return true;
  };
}
