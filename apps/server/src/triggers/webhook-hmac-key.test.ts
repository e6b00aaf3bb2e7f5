import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { createLogger } from "../log.ts";
import { parseSecretsKey, type SecretsKeys } from "../secrets/secrets-key.ts";
import { openHmacKey, resealHmacKeys, sealHmacKey } from "./webhook-hmac-key.ts";

const oldKey = parseSecretsKey("66".repeat(32), "old");
const newKey = parseSecretsKey("77".repeat(32), "new");
const keys = (current: typeof oldKey, previous: (typeof oldKey)[] = []): SecretsKeys => ({ current, previous, source: "environment" });
const log = createLogger("silent");

describe("webhook HMAC keys across a secrets-key rotation", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase("sqlite");
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it("re-seals at start what the previous key sealed; without it the key is named as unopenable, never opened with the wrong key", async () => {
    const created = await database.db.dags.create({ name: "hooked", spec: { tasks: [] }, createdBy: "admin" });
    if (created.kind !== "created") throw new Error(`dag not created: ${created.kind}`);
    const id = "hook-1";
    const sealed = sealHmacKey(keys(oldKey), id, "hmac-secret");
    await database.db.webhooks.create({ id, dagId: created.dag.id, name: "deploys", tokenHash: "f".repeat(64), hmacSealed: sealed.sealed, hmacKeyId: sealed.keyId, createdBy: "admin", createdAt: new Date() });
    const unsigned = await database.db.webhooks.create({ id: "hook-2", dagId: created.dag.id, name: "plain", tokenHash: "e".repeat(64), hmacSealed: null, hmacKeyId: null, createdBy: "admin", createdAt: new Date() });

    const before = await database.db.webhooks.get(id);
    expect(openHmacKey(keys(newKey), before!)).toEqual({ kind: "unopenable", message: expect.stringContaining(`sealed with key ${oldKey.keyId}`) as string });

    await resealHmacKeys(database.db, keys(newKey, [oldKey]), log);
    const after = await database.db.webhooks.get(id);
    expect(after?.hmacKeyId).toBe(newKey.keyId);
    expect(openHmacKey(keys(newKey), after!)).toEqual({ kind: "key", key: "hmac-secret" });
    expect(openHmacKey(keys(newKey), unsigned)).toEqual({ kind: "unsigned" });
    // A sealed key copied onto another webhook does not open there: the seal names the webhook.
    expect(openHmacKey(keys(newKey), { ...after!, id: "hook-2" }).kind).toBe("unopenable");
  });
});
