import type { IncomingMessage, ServerResponse } from "node:http";
import { AuditKind } from "@handoff/api";
import type { AuditLog } from "./audit-log.ts";
import type { Authentication, Authenticator } from "./authenticator.ts";
import { isSameOrigin } from "./same-origin.ts";
import { readSessionCookie, sessionCookie } from "./session-cookie.ts";
import type { SessionService } from "./sessions.ts";
import type { SignInCodeService } from "./sign-in-codes.ts";
import type { Principal } from "@handoff/api";
import type { TokenService } from "./tokens.ts";
import { readBody } from "../http/body-limits.ts";
import { sendFailure } from "../http/send-json.ts";

export interface AuthRoutesOptions {
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly codes: SignInCodeService;
  readonly authenticator: Authenticator;
  readonly audit: AuditLog;
  /** HANDOFF_PUBLIC_URL or the listening URL: an allowed Origin, and https there means `Secure` cookies. */
  readonly publicUrl: () => string;
  /** Past this many bytes of a body the connection is cut (`cutOffBytesOf`). */
  readonly cutOffBytes: number;
}

const maxLoginBodyBytes = 16 * 1024;

/**
 * `POST /api/auth/login` (JSON or form: `token` or a one-time `code`) and `POST /api/auth/logout`. Both
 * refuse a request whose Origin is not this server's (403), before reading the body.
 */
export function createAuthRoutes(options: AuthRoutesOptions): {
  login(request: IncomingMessage, response: ServerResponse): Promise<void>;
  logout(request: IncomingMessage, response: ServerResponse): Promise<void>;
} {
  const { tokens, sessions, codes, authenticator, audit } = options;
  const secure = (): boolean => options.publicUrl().startsWith("https:");

  const refuseCrossSite = (request: IncomingMessage, response: ServerResponse): boolean => {
    if (isSameOrigin(request, options.publicUrl())) return false;
    request.resume();
    const origin = request.headers.origin;
    sendFailure(response, {
      kind: "forbidden",
      message: origin ? `requests from origin ${origin} cannot sign in or out here` : "sign-in and sign-out need an Origin header from this server's pages",
    });
    return true;
  };

  const refused = (response: ServerResponse, outcome: Authentication & { kind: "refused" }, message: string): void => {
    if (outcome.retryAfterSeconds !== undefined) {
      return sendFailure(response, { kind: "too_many_requests", message: `too many failed sign-ins from ${outcome.address}; retry in ${outcome.retryAfterSeconds} s` }, { "Retry-After": String(outcome.retryAfterSeconds) });
    }
    sendFailure(response, { kind: "unauthorized", message });
  };

  return {
    async login(request, response) {
      if (refuseCrossSite(request, response)) return;
      const form = await readCredentials(request, options.cutOffBytes);
      if (form.kind === "invalid") return sendFailure(response, { kind: form.status === 413 ? "too_large" : "invalid_request", message: form.message });
      const address = authenticator.addressOf(request);
      let principal: Principal | undefined;
      if (form.token !== undefined) {
        principal = await tokens.authenticate(form.token);
        if (!principal) return refused(response, authenticator.refuse(address, "sign-in token", request.url), "this token is unknown, expired or revoked");
      } else {
        const tokenId = await codes.redeem(form.code);
        principal = tokenId === undefined ? undefined : await tokens.principalById(tokenId);
        if (!principal) return refused(response, authenticator.refuse(address, "sign-in code", request.url), "this sign-in code is unknown, used or expired (codes work once, for 10 minutes)");
      }
      if (principal.kind !== "admin" && principal.kind !== "user") {
        return sendFailure(response, { kind: "forbidden", message: `a ${principal.kind} token cannot sign in to the dashboard` });
      }
      const previous = await sessions.authenticate(readSessionCookie(request));
      if (previous?.sessionId) await sessions.revoke(previous.sessionId);
      const userAgent = typeof request.headers["user-agent"] === "string" ? request.headers["user-agent"] : null;
      const session = await sessions.create(principal, { userAgent, ip: address });
      audit.record({
        kind: AuditKind.SignedIn,
        actor: principal,
        ip: address,
        details: { method: form.token !== undefined ? "token" : "code", sessionId: session.sessionId, userAgent },
      });
      const cookie = { "Set-Cookie": sessionCookie(session.secret, { secure: secure() }) };
      if (form.isForm) {
        response.writeHead(303, { ...cookie, Location: "/" });
        response.end();
        return;
      }
      response.writeHead(204, cookie);
      response.end();
    },

    async logout(request, response) {
      if (refuseCrossSite(request, response)) return;
      request.resume();
      const principal = await sessions.authenticate(readSessionCookie(request));
      if (principal?.sessionId) {
        await sessions.revoke(principal.sessionId);
        audit.record({ kind: AuditKind.SignedOut, actor: principal, ip: authenticator.addressOf(request), details: { sessionId: principal.sessionId } });
      }
      response.writeHead(204, { "Set-Cookie": sessionCookie(null, { secure: secure() }) });
      response.end();
    },
  };
}

type LoginForm =
  | { kind: "token"; token: string; code?: undefined; isForm: boolean }
  | { kind: "code"; code: string; token?: undefined; isForm: boolean }
  | { kind: "invalid"; status: number; message: string };

async function readCredentials(request: IncomingMessage, cutOffBytes: number): Promise<LoginForm> {
  const type = (request.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const isForm = type === "application/x-www-form-urlencoded";
  if (type !== "application/json" && !isForm) {
    request.resume();
    return { kind: "invalid", status: 415, message: "send the credentials as application/json or application/x-www-form-urlencoded" };
  }
  // Over the limit the rest is left to arrive and be discarded: ending the stream here would reset a client
  // still sending its body before it reads the answer.
  const read = await readBody(request, maxLoginBodyBytes, cutOffBytes);
  if (!read.ok) return { kind: "invalid", status: 413, message: `the sign-in body is over ${maxLoginBodyBytes} bytes` };
  const body = read.text;
  let fields: Record<string, unknown>;
  try {
    fields = isForm ? Object.fromEntries(new URLSearchParams(body)) : (JSON.parse(body) as Record<string, unknown>);
  } catch {
    return { kind: "invalid", status: 400, message: "the sign-in body is not valid JSON" };
  }
  const { token, code } = typeof fields === "object" && fields !== null ? fields : {};
  if (typeof token === "string" && token.trim() !== "") return { kind: "token", token: token.trim(), isForm };
  if (typeof code === "string" && code.trim() !== "") return { kind: "code", code: code.trim(), isForm };
  return { kind: "invalid", status: 400, message: 'expected {"token": "..."} or {"code": "..."}' };
}

