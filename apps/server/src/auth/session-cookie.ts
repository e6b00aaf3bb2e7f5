import type { IncomingMessage } from "node:http";
import { SessionPolicy } from "./sessions.ts";

export const SESSION_COOKIE = "handoff_session";

/** The session secret the browser sent, if any. */
export function readSessionCookie(request: IncomingMessage): string | undefined {
  const cookie = request.headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) {
      try {
        return decodeURIComponent(rest.join("="));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** `HttpOnly; SameSite=Lax; Path=/`, `Secure` when the public URL is https. */
export function sessionCookie(secret: string | null, options: { secure: boolean }): string {
  const attributes = ["HttpOnly", "SameSite=Lax", "Path=/", ...(options.secure ? ["Secure"] : [])];
  const value = secret === null ? "" : encodeURIComponent(secret);
  const maxAge = secret === null ? 0 : Math.floor(SessionPolicy.absoluteMs / 1000);
  return [`${SESSION_COOKIE}=${value}`, ...attributes, `Max-Age=${maxAge}`].join("; ");
}
