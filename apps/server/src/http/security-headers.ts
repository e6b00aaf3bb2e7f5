import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The headers every response of the origin carries, and the Content-Security-Policy for each kind of answer.
 * Pages: scripts from this origin only, plus Next's inline scripts by a per-request nonce (Next reads it from
 * the request's `content-security-policy` header). Everything else (API, relayed values): nothing may run.
 */
export const BASE_SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "X-Frame-Options": "DENY",
} as const;

/** For answers that are data, never documents: JSON, metrics, relayed values, redirects. */
export const DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox";

/** The dashboard's policy for one request; `nonce` is fresh per request. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // React Flow and Next position elements with style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Sets the base headers and the data policy; a page handler overrides the policy with `preparePage`. */
export function applySecurityHeaders(response: ServerResponse): void {
  for (const [name, value] of Object.entries(BASE_SECURITY_HEADERS)) response.setHeader(name, value);
  response.setHeader("Content-Security-Policy", DATA_CSP);
}

/**
 * Gives a page request its nonce: the response carries the page policy, and the request carries the same
 * policy in its own `content-security-policy` header, where Next looks for the nonce to put on its scripts.
 */
export function preparePage(request: IncomingMessage, response: ServerResponse): string {
  const nonce = randomBytes(16).toString("base64");
  const policy = pageCsp(nonce);
  request.headers["content-security-policy"] = policy;
  response.setHeader("Content-Security-Policy", policy);
  return nonce;
}
