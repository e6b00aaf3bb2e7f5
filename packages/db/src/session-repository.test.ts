import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { describeEachDatabase } from "./testing/describe-each-database.ts";

const hashOf = (secret: string) => createHash("sha256").update(secret).digest("hex");

describeEachDatabase("when dashboard sessions are kept", (database) => {
  it("finds a session with its token, touches, revokes one and then every session of a token", async () => {
    const { tokens, sessions } = database().db;
    const token = await tokens.create({ name: "admin", kind: "admin", hash: hashOf("t"), createdBy: null });
    const now = new Date("2026-05-05T00:00:00.000Z");
    const a = await sessions.create({ hash: hashOf("a"), tokenId: token.id, createdAt: now, expiresAt: new Date(now.getTime() + 1000), userAgent: "ua", ip: "127.0.0.1" });
    const b = await sessions.create({ hash: hashOf("b"), tokenId: token.id, createdAt: now, expiresAt: new Date(now.getTime() + 1000), userAgent: null, ip: null });
    expect(await sessions.findByHash(hashOf("a"))).toMatchObject({ session: { id: a.id, lastSeenAt: now, revokedAt: null }, token: { id: token.id, kind: "admin" } });
    expect(await sessions.findByHash(hashOf("nope"))).toBeUndefined();
    const later = new Date(now.getTime() + 500);
    await sessions.touch(a.id, later);
    expect((await sessions.findByHash(hashOf("a")))?.session.lastSeenAt).toEqual(later);
    expect(await sessions.revoke(a.id, later)).toBe(true);
    expect(await sessions.revoke(a.id, later)).toBe(false);
    expect(await sessions.revokeByToken(token.id, later)).toEqual([b.id]);
    expect((await sessions.findByHash(hashOf("b")))?.session.revokedAt).toEqual(later);
    expect(await sessions.deleteEndedBefore(new Date(now.getTime() + 2000))).toBe(2);
  });

  it("rejects a hash that is not sha-256 hex", async () => {
    const { tokens, sessions } = database().db;
    const token = await tokens.create({ name: "u", kind: "user", hash: hashOf("u"), createdBy: null });
    await expect(sessions.create({ hash: "raw-secret", tokenId: token.id, createdAt: new Date(), expiresAt: new Date(), userAgent: null, ip: null })).rejects.toThrow(/sha-256/);
  });
});

describeEachDatabase("when a one-time sign-in code is redeemed", (database) => {
  it("works once, then never; an expired code never works", async () => {
    const { tokens, signInCodes } = database().db;
    const token = await tokens.create({ name: "admin", kind: "admin", hash: hashOf("t2"), createdBy: null });
    const now = new Date("2026-05-05T00:00:00.000Z");
    const expiresAt = new Date(now.getTime() + 600_000);
    await signInCodes.create({ hash: hashOf("code"), tokenId: token.id, createdAt: now, expiresAt });
    await signInCodes.create({ hash: hashOf("old"), tokenId: token.id, createdAt: now, expiresAt });
    expect(await signInCodes.redeem(hashOf("code"), now)).toEqual({ kind: "redeemed", tokenId: token.id });
    expect(await signInCodes.redeem(hashOf("code"), now)).toEqual({ kind: "invalid" });
    expect(await signInCodes.redeem(hashOf("old"), expiresAt)).toEqual({ kind: "invalid" });
    expect(await signInCodes.redeem(hashOf("never-made"), now)).toEqual({ kind: "invalid" });
  });
});

describeEachDatabase("when audit events are recorded", (database) => {
  it("lists newest first by pages, filters by kind, and prunes by age and count", async () => {
    const { audit } = database().db;
    const base = Date.parse("2026-06-01T00:00:00.000Z");
    for (let i = 0; i < 5; i++) {
      await audit.append({ at: new Date(base + i * 1000), kind: i % 2 === 0 ? "token.created" : "auth.signed_in", actorTokenId: "t", actorName: "admin", ip: "127.0.0.1", details: { i } });
    }
    const first = await audit.list({ limit: 2 });
    expect(first.events.map((event) => event.details["i"])).toEqual([4, 3]);
    const second = await audit.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.events.map((event) => event.details["i"])).toEqual([2, 1]);
    const third = await audit.list({ limit: 2, cursor: second.nextCursor! });
    expect(third).toMatchObject({ nextCursor: null });
    expect(third.events.map((event) => event.details["i"])).toEqual([0]);
    expect((await audit.list({ limit: 10, kinds: ["token.created"] })).events.map((event) => event.details["i"])).toEqual([4, 2, 0]);
    await expect(audit.list({ limit: 1, cursor: "garbage" })).rejects.toThrow(/cursor/);
    expect(await audit.prune(new Date(base + 1000), 3)).toBe(2);
    expect((await audit.list({ limit: 10 })).events.map((event) => event.details["i"])).toEqual([4, 3, 2]);
  });
});
