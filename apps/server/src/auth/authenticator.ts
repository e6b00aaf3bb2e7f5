import type { IncomingMessage } from "node:http";
import type { Logger } from "../log.ts";
import { AuditKind } from "@handoff/api";
import type { AuditLog } from "./audit-log.ts";
import { clientAddress } from "./client-address.ts";
import type { FailureThrottle } from "./failure-throttle.ts";
import { readSessionCookie } from "./session-cookie.ts";
import type { SessionService } from "./sessions.ts";
import type { Principal } from "@handoff/api";
import type { TokenService } from "./tokens.ts";

export type Authentication =
  /** No credential was presented. */
  | { kind: "anonymous"; address: string }
  | { kind: "authenticated"; address: string; principal: Principal }
  /** A credential was presented and refused; `retryAfterSeconds` when the address is throttled (answer 429). */
  | { kind: "refused"; address: string; retryAfterSeconds?: number };

export interface AuthenticatorOptions {
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly throttle: FailureThrottle;
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly trustedProxyHops: number;
  readonly now?: () => number;
}

/**
 * Who is asking: a bearer token (`Authorization: Bearer …`, API clients) or a dashboard session (the
 * cookie). The cookie is only ever looked up as a session, so a token in a cookie or a session id as a
 * bearer token is refused. Refusals are counted per client address, logged and audited (audit writes stop
 * once the address is throttled, so a flood cannot fill the table).
 */
export class Authenticator {
  private readonly now: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? Date.now;
  }

  addressOf(request: IncomingMessage): string {
    return clientAddress(request, this.options.trustedProxyHops);
  }

  async authenticate(request: IncomingMessage): Promise<Authentication> {
    const address = this.addressOf(request);
    const header = request.headers.authorization;
    if (header !== undefined) {
      const bearer = header.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
      const principal = await this.options.tokens.authenticate(bearer);
      return principal ? { kind: "authenticated", address, principal } : this.refuse(address, "bearer token", request.url);
    }
    const cookie = readSessionCookie(request);
    if (cookie === undefined) return { kind: "anonymous", address };
    const principal = await this.options.sessions.authenticate(cookie);
    return principal ? { kind: "authenticated", address, principal } : this.refuse(address, "session", request.url);
  }

  /** Counts a failed authentication (also for the login route); answers what to tell the client. */
  refuse(address: string, credential: string, url: string | undefined): Authentication & { kind: "refused" } {
    const verdict = this.options.throttle.fail(address, this.now());
    const where = (url ?? "").split("?")[0];
    if (verdict.kind === "counted") {
      this.options.log.warn("authentication failed", { address, credential, path: where, failures: verdict.failures });
      this.options.audit.record({ kind: AuditKind.AuthFailed, ip: address, details: { credential, path: where } });
      return { kind: "refused", address };
    }
    if (verdict.firstBlocked) {
      this.options.log.warn("authentication throttled", { address, retryAfterSeconds: verdict.retryAfterSeconds });
      this.options.audit.record({ kind: AuditKind.AuthThrottled, ip: address, details: { retryAfterSeconds: verdict.retryAfterSeconds } });
    }
    return { kind: "refused", address, retryAfterSeconds: verdict.retryAfterSeconds };
  }
}
