import type { IncomingMessage } from "node:http";

/**
 * The address a request came from. With `trustedProxyHops` = N > 0 (HANDOFF_TRUST_PROXY), the server sits
 * behind N proxies that each append to X-Forwarded-For, so the client is the N-th entry from the right
 * (entries further left were written by the client and prove nothing). With 0, X-Forwarded-For is ignored.
 */
export function clientAddress(request: IncomingMessage, trustedProxyHops: number): string {
  const socketAddress = request.socket.remoteAddress ?? "unknown";
  if (trustedProxyHops <= 0) return socketAddress;
  const header = request.headers["x-forwarded-for"];
  const entries = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  return entries[entries.length - trustedProxyHops] ?? entries[0] ?? socketAddress;
}
