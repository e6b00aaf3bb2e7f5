/** The most server URLs a client or agent takes (replicas); more is a typo or an attack, not a cluster. */
export const MAX_SERVER_URLS = 16;

export type ParsedServerUrls = { readonly ok: true; readonly urls: readonly [string, ...string[]] } | { readonly ok: false; readonly message: string };

/**
 * A comma-separated list of server URLs (`--server a,b`, `HANDOFF_SERVER_URLS`): each http:// or https://, at most
 * `MAX_SERVER_URLS`. The message names the bad URL and its position; the caller names the flag.
 * @example parseServerUrls("http://a:4400, http://b:4400") // { ok: true, urls: ["http://a:4400", "http://b:4400"] }
 */
export function parseServerUrls(list: string): ParsedServerUrls {
  const urls = list.split(",").map((part) => part.trim());
  if (urls.length > MAX_SERVER_URLS) return { ok: false, message: `takes at most ${MAX_SERVER_URLS} URLs, got ${urls.length}` };
  for (const [index, text] of urls.entries()) {
    const where = urls.length === 1 ? "" : ` (URL ${index + 1} of ${urls.length})`;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { ok: false, message: `${JSON.stringify(text)} is not a URL like http://127.0.0.1:4400${where}` };
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, message: `must be an http:// or https:// URL, got ${url.protocol}${where}` };
  }
  return { ok: true, urls: urls as [string, ...string[]] };
}
