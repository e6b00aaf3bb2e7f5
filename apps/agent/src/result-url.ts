import { networkInterfaces } from "node:os";

const WILDCARDS = new Set(["0.0.0.0", "::", ""]);

/**
 * The URL other agents use to reach this agent's result server. A concrete host is advertised as given; for a
 * wildcard bind the first non-internal IPv4 address is advertised (127.0.0.1 when there is none).
 */
export function advertisedResultUrl(host: string, port: number): string {
  const chosen = WILDCARDS.has(host) ? firstExternalIPv4() ?? "127.0.0.1" : host;
  const hostPart = chosen.includes(":") && !chosen.startsWith("[") ? `[${chosen}]` : chosen;
  return `http://${hostPart}:${port}`;
}

function firstExternalIPv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === "IPv4" && !address.internal) return address.address;
  }
  return undefined;
}
