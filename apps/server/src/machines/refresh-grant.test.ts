import { signGrant, verifyGrant } from "@handoff/protocol/grant";
import { describe, expect, it } from "vitest";
import type { LiveMachine } from "../scheduler/live-machine.ts";
import { refreshGrant, type GrantIssuer } from "./refresh-grant.ts";

const holder = { name: "a", grantSecret: "holder-secret-0123456789abcdef", link: {}, resultUrl: "http://127.0.0.1:7411" } as unknown as LiveMachine;
const issuer: GrantIssuer = {
  machines: new Map([["a", holder]]),
  grantFor: (machine, runId, taskId, audience, encode) =>
    signGrant(machine.grantSecret, { runId, taskId, holder: machine.name, audience, audienceKey: "key-b", expiresAt: Date.now() + 120_000, ...(encode ? { encode: { fn: encode.fn, ...(encode.args ? { args: [...encode.args] } : {}) } } : {}) }),
};
const expired = (audience: string, secret = holder.grantSecret) =>
  signGrant(secret, { runId: "r", taskId: "t", holder: "a", audience, audienceKey: "key-b", expiresAt: Date.now() - 1_000, encode: { fn: "std.pick", args: ["k"] } });

describe("when an agent asks for a fresh grant", () => {
  it("renews its own expired grant with the same result and encode step, and the holder's URL", () => {
    const answer = refreshGrant(issuer, "b", expired("b"));
    expect(answer).toMatchObject({ ok: true, url: "http://127.0.0.1:7411" });
    if (!answer.ok) return;
    const verified = verifyGrant(holder.grantSecret, answer.grant, { now: Date.now(), holder: "a" });
    expect(verified).toMatchObject({ ok: true, grant: { runId: "r", taskId: "t", audience: "b", encode: { fn: "std.pick", args: ["k"] } } });
  });

  it("refuses a grant issued to another machine, one the holder's secret did not sign, and an unknown holder", () => {
    expect(refreshGrant(issuer, "c", expired("b"))).toMatchObject({ ok: false, kind: "forbidden" });
    expect(refreshGrant(issuer, "b", expired("b", "some-other-secret-0123456789"))).toMatchObject({ ok: false, kind: "forbidden" });
    expect(refreshGrant(issuer, "b", "garbage")).toMatchObject({ ok: false, kind: "not_found" });
  });
});
