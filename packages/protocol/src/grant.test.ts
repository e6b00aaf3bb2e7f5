import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signGrant, verifyGrant, type Grant } from "./grant.ts";

const secret = "a-shared-secret-of-enough-length";
const grant: Grant = { runId: "run-1", taskId: "task/a", holder: "machine-a", audience: "machine-b", expiresAt: 10_000 };

describe("when a grant is signed and verified with the same secret", () => {
  it("accepts it before expiry on the holder and returns its contents", () => {
    const token = signGrant(secret, grant);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(verifyGrant(secret, token, { now: 9_999, holder: "machine-a" })).toEqual({ ok: true, grant });
  });

  it("rejects it from the moment it expires", () => {
    const token = signGrant(secret, grant);
    expect(verifyGrant(secret, token, { now: 10_000, holder: "machine-a" })).toEqual({ ok: false, reason: "expired" });
  });

  it("rejects it on a machine that is not the holder", () => {
    const token = signGrant(secret, grant);
    expect(verifyGrant(secret, token, { now: 0, holder: "machine-c" })).toEqual({ ok: false, reason: "wrong_holder" });
  });
});

describe("when a grant was not signed with this secret", () => {
  it("rejects a grant signed with another secret", () => {
    const token = signGrant("another-secret-of-enough-length!", grant);
    expect(verifyGrant(secret, token, { now: 0, holder: "machine-a" })).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("rejects a grant whose payload was changed", () => {
    const [, signature] = signGrant(secret, grant).split(".");
    const forged = Buffer.from(JSON.stringify({ ...grant, taskId: "other" })).toString("base64url");
    expect(verifyGrant(secret, `${forged}.${signature}`, { now: 0, holder: "machine-a" })).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("rejects a grant whose signature was changed or cut", () => {
    const token = signGrant(secret, grant);
    const flipped = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
    expect(verifyGrant(secret, flipped, { now: 0, holder: "machine-a" })).toEqual({ ok: false, reason: "bad_signature" });
    expect(verifyGrant(secret, token.slice(0, -4), { now: 0, holder: "machine-a" })).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });
});

describe("when a token is not a grant at all", () => {
  it.each(["", "abc", "a.b.c", ".sig", "payload.", "pay load.sig", "pay+load.sig"])("rejects %j as malformed", (token) => {
    expect(verifyGrant(secret, token, { now: 0, holder: "machine-a" })).toEqual({ ok: false, reason: "malformed" });
  });

  it("rejects a correctly signed payload that is not a grant as malformed", () => {
    const payload = Buffer.from(JSON.stringify({ runId: "run-1" })).toString("base64url");
    const signature = createHmac("sha256", secret).update(payload).digest("base64url");
    expect(verifyGrant(secret, `${payload}.${signature}`, { now: 0, holder: "machine-a" })).toEqual({
      ok: false,
      reason: "malformed",
    });
  });
});

describe("when the secret is too short", () => {
  it("refuses to sign or verify", () => {
    expect(() => signGrant("short", grant)).toThrow(TypeError);
    expect(() => verifyGrant("short", "a.b", { now: 0, holder: "machine-a" })).toThrow(TypeError);
  });
});

describe("when a grant carries an edge's encode transform", () => {
  it("round-trips the transform and its args", () => {
    const withEncode: Grant = { ...grant, encode: { fn: "codec.gzip", args: [9, { level: "max" }] } };
    const token = signGrant(secret, withEncode);
    expect(verifyGrant(secret, token, { now: 1, holder: "machine-a" })).toEqual({ ok: true, grant: withEncode });
  });
});

describe("when a grant says its holder accepts version-2 fetch proofs", () => {
  it("round-trips `proof: 2`, and refuses any other value as malformed", () => {
    const withProof: Grant = { ...grant, proof: 2 };
    expect(verifyGrant(secret, signGrant(secret, withProof), { now: 1, holder: "machine-a" })).toEqual({ ok: true, grant: withProof });
    const payload = Buffer.from(JSON.stringify({ ...grant, proof: 3 })).toString("base64url");
    const signature = createHmac("sha256", secret).update(payload).digest("base64url");
    expect(verifyGrant(secret, `${payload}.${signature}`, { now: 0, holder: "machine-a" })).toEqual({ ok: false, reason: "malformed" });
  });
});
