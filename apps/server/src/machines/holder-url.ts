import { isIP } from "node:net";

/**
 * The URL the server and other agents reach a holder's result server at: the address its own socket comes from (or
 * an admin's override) and the port it announced — never a host, path or scheme the agent chose. IPv4-mapped IPv6
 * addresses (`::ffff:127.0.0.1`) become plain IPv4; other IPv6 addresses are bracketed.
 * @example holderUrl("::ffff:10.0.0.5", 7411) // "http://10.0.0.5:7411"
 */
export function holderUrl(address: string, port: number): string {
  return `http://${urlHost(address)}:${port}`;
}

export function urlHost(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  const unbracketed = address.replace(/^\[(.*)\]$/, "$1");
  return isIP(unbracketed) === 6 ? `[${unbracketed}]` : unbracketed;
}

/** The port of the result URL an agent announced, or an error naming what is wrong; everything else in it is ignored. */
export function announcedPort(resultUrl: string): { readonly ok: true; readonly port: number } | { readonly ok: false; readonly message: string } {
  let url: URL;
  try {
    url = new URL(resultUrl);
  } catch {
    return { ok: false, message: `resultUrl: ${JSON.stringify(resultUrl)} is not a URL` };
  }
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return { ok: false, message: `resultUrl: port must be 1 to 65535, got ${JSON.stringify(url.port)}` };
  return { ok: true, port };
}

/** An admin's address override: an IP address or a DNS name, nothing else (no scheme, port, path or user). */
export function checkAddressOverride(address: string): string | undefined {
  if (isIP(address.replace(/^\[(.*)\]$/, "$1")) !== 0) return undefined;
  if (/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(address)) return undefined;
  return `address: expected an IP address or a host name, got ${JSON.stringify(address)}`;
}
