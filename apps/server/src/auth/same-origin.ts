import type { IncomingMessage } from "node:http";

/**
 * Whether a state-changing request (login, logout) comes from the dashboard's own origin: its Origin
 * header must name the host the request was sent to (so `localhost` and `127.0.0.1` both work), or the
 * public URL's origin. A missing Origin is refused: browsers send it on every POST, and other clients use
 * bearer tokens, not the login route. Why: a cross-site form (even `text/plain`) must not sign a browser in.
 */
export function isSameOrigin(request: IncomingMessage, publicUrl: string | undefined): boolean {
  const origin = request.headers.origin;
  if (typeof origin !== "string" || origin === "" || origin === "null") return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return false;
  if (publicUrl !== undefined && publicUrl !== "") {
    try {
      if (new URL(publicUrl).origin === parsed.origin) return true;
    } catch {
      // an invalid public URL was refused by the config already
    }
  }
  const host = request.headers.host;
  return typeof host === "string" && host.toLowerCase() === parsed.host.toLowerCase();
}
