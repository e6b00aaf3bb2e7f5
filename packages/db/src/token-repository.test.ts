import { createHash } from "node:crypto";
import { expect, it } from "vitest";
import { describeEachDatabase } from "./testing/describe-each-database.ts";

const hashOf = (secret: string) => createHash("sha256").update(secret).digest("hex");

describeEachDatabase("when tokens are issued", (database) => {
  it("finds a token by the hash of its secret", async () => {
    const { tokens } = database().db;
    const created = await tokens.create({ name: "ci", kind: "user", hash: hashOf("s3cret-ci"), createdBy: "admin" });
    expect(created).toMatchObject({ name: "ci", kind: "user", lastUsedAt: null, revokedAt: null, createdBy: "admin" });
    expect(await tokens.findByHash(hashOf("s3cret-ci"))).toEqual(created);
    expect(await tokens.findByHash(hashOf("wrong"))).toBeUndefined();
  });

  it("rejects a hash that is not sha-256 hex", async () => {
    const { tokens } = database().db;
    await expect(tokens.create({ name: "bad", kind: "join", hash: "plaintext", createdBy: null })).rejects.toThrow(/sha-256/);
  });

  it("touches lastUsedAt", async () => {
    const { tokens } = database().db;
    const created = await tokens.create({ name: "touch", kind: "scrape", hash: hashOf("touch"), createdBy: null });
    const at = new Date("2026-03-03T03:03:03.333Z");
    await tokens.touch(created.id, at);
    expect((await tokens.findByHash(created.hash))?.lastUsedAt).toEqual(at);
  });

  it("revokes once, then reports already_revoked or not_found as values", async () => {
    const { tokens } = database().db;
    const created = await tokens.create({ name: "revoke", kind: "admin", hash: hashOf("revoke"), createdBy: null });
    const at = new Date("2026-04-04T00:00:00.000Z");
    expect(await tokens.revoke(created.id, at)).toMatchObject({ kind: "revoked", token: { revokedAt: at } });
    expect(await tokens.revoke(created.id, new Date())).toMatchObject({ kind: "already_revoked", token: { revokedAt: at } });
    expect(await tokens.revoke("nope", at)).toEqual({ kind: "not_found", id: "nope" });
    expect((await tokens.findByHash(created.hash))?.revokedAt).toEqual(at);
  });

  it("lists tokens oldest first", async () => {
    const { tokens } = database().db;
    const listed = await tokens.list();
    expect(listed.length).toBeGreaterThanOrEqual(3);
    const times = listed.map((t) => t.createdAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
