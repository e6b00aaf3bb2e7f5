import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/**
 * The URL this agent's result server is at, as it advertises it (the server only takes its port: it reaches holders at
 * their socket's address). IPv6 hosts are bracketed.
 */
export function advertisedResultUrl(host: string, port: number): string {
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${hostPart}:${port}`;
}

/**
 * The local address this machine uses to reach the server (the route's source address): the result server binds there,
 * so it listens on loopback when the server is on loopback and never on every interface. A connected UDP socket
 * asks the kernel for the route without sending anything, so the server need not be up yet.
 * @example await localAddressTowards("http://127.0.0.1:4400") // "127.0.0.1"
 */
export async function localAddressTowards(serverUrl: string): Promise<string> {
  const url = new URL(serverUrl);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const { address, family } = isIP(hostname) !== 0 ? { address: hostname, family: isIP(hostname) } : await lookup(hostname);
  const socket = createSocket(family === 6 ? "udp6" : "udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.connect(port, address, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}
