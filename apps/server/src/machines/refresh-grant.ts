import { verifyGrant } from "@handoff/protocol/grant";
import type { LiveMachine } from "../scheduler/live-machine.ts";

export type RefreshedGrant = { readonly ok: true; readonly grant: string; readonly url: string };
export type GrantRefreshRefusal = { readonly ok: false; readonly kind: "forbidden" | "not_found" | "machine_offline"; readonly message: string };

/** What refreshing needs from the engine. */
export interface GrantIssuer {
  readonly machines: ReadonlyMap<string, LiveMachine>;
  grantFor(holder: LiveMachine, runId: string, taskId: string, audience: string, encode?: { fn: string; args?: readonly unknown[] }, taskIds?: readonly string[]): string;
}

/**
 * A fresh grant for one the server issued earlier (grants live 2 minutes; an attempt that waited longer asks again).
 * Only the grant's own audience may refresh it, and only while the holder still has the secret it was signed with
 * (a holder that reconnected has a new secret: the old grant is refused and the attempt fails as before).
 * @example refreshGrant(engine, "machine-b", expiredGrant) // { ok: true, grant, url }
 */
export function refreshGrant(issuer: GrantIssuer, requester: string, token: string): RefreshedGrant | GrantRefreshRefusal {
  const holderName = holderOf(token);
  const holder = holderName === undefined ? undefined : issuer.machines.get(holderName);
  if (holder === undefined) return { ok: false, kind: "not_found", message: "grant:refresh: the grant names no known holder" };
  // `now: 0`: the signature and form are checked, the expiry is what is being renewed.
  const verified = verifyGrant(holder.grantSecret, token, { now: 0, holder: holder.name });
  if (!verified.ok) return { ok: false, kind: "forbidden", message: `grant:refresh: the grant is not valid for ${holder.name} any more (${verified.reason})` };
  const { grant } = verified;
  if (grant.audience !== requester) return { ok: false, kind: "forbidden", message: `grant:refresh: the grant was issued to "${grant.audience}", not "${requester}"` };
  if (!holder.link || holder.resultUrl === null) return { ok: false, kind: "machine_offline", message: `grant:refresh: "${holder.name}" is offline` };
  return { ok: true, grant: issuer.grantFor(holder, grant.runId, grant.taskId, requester, grant.encode, grant.taskIds), url: holder.resultUrl };
}

function holderOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8")) as { holder?: unknown };
    return typeof payload.holder === "string" ? payload.holder : undefined;
  } catch {
    return undefined;
  }
}
