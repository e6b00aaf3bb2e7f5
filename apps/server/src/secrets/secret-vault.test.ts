import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { createLogger } from "../log.ts";
import { SecretVault } from "./secret-vault.ts";
import { parseSecretsKey } from "./secrets-key.ts";

const oldKey = parseSecretsKey("44".repeat(32), "old");
const newKey = parseSecretsKey("55".repeat(32), "new");
const log = createLogger("silent");

describe("rotating the secrets key", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase("sqlite");
  });
  afterAll(async () => {
    await database?.dispose();
  });

  it("re-seals at start what the previous key sealed; without the previous key the secret is named, not opened", async () => {
    const before = new SecretVault({ db: database.db, keys: { current: oldKey, previous: [], source: "environment" }, log });
    await before.start();
    await before.set("warehouse", "value-under-old-key", "admin");

    const withoutPrevious = new SecretVault({ db: database.db, keys: { current: newKey, previous: [], source: "environment" }, log });
    await withoutPrevious.start();
    const refused = await withoutPrevious.open(["warehouse"]);
    expect(refused.ok ? "opened" : `${refused.kind}: ${refused.message}`).toContain(`internal: secret "warehouse" was sealed with key ${oldKey.keyId}`);

    const rotated = new SecretVault({ db: database.db, keys: { current: newKey, previous: [oldKey], source: "environment" }, log });
    await rotated.start();
    expect((await database.db.secrets.get("warehouse"))?.keyId).toBe(newKey.keyId);
    const afterRotation = new SecretVault({ db: database.db, keys: { current: newKey, previous: [], source: "environment" }, log });
    await afterRotation.start();
    expect(await afterRotation.open(["warehouse"])).toEqual({ ok: true, values: { warehouse: "value-under-old-key" } });
    expect(afterRotation.names()).toEqual(new Set(["warehouse"]));
    const gone = await afterRotation.open(["gone"]);
    expect(gone.ok ? "opened" : `${gone.kind}: ${gone.message}`).toContain('not_found: secret "gone" does not exist');
  });

  it("across replicas, a rolling rotation never leaves one unable to open what another sealed", async () => {
    const keys = (current: typeof oldKey, previous: (typeof oldKey)[]) => ({ current, previous, source: "environment" as const });
    // The procedure in SECURITY.md: every replica restarted with the new key as a previous one, then each with it as
    // the current one (it re-seals at start), then the old key dropped. Two replicas, one restart at a time.
    const steps = [
      [keys(oldKey, []), keys(oldKey, [])],
      [keys(oldKey, [newKey]), keys(oldKey, [])],
      [keys(oldKey, [newKey]), keys(oldKey, [newKey])],
      [keys(newKey, [oldKey]), keys(oldKey, [newKey])],
      [keys(newKey, [oldKey]), keys(newKey, [oldKey])],
      [keys(newKey, []), keys(newKey, [oldKey])],
      [keys(newKey, []), keys(newKey, [])],
    ];
    const written: Record<string, string> = {};
    for (const [index, step] of steps.entries()) {
      const replicas = step.map((replicaKeys) => new SecretVault({ db: database.db, keys: replicaKeys, log }));
      for (const replica of replicas) await replica.start();
      for (const [which, replica] of replicas.entries()) {
        const name = `rolling_${index}_${which}`;
        await replica.set(name, `value ${index}/${which}`, "admin");
        written[name] = `value ${index}/${which}`;
      }
      for (const replica of replicas) expect(await replica.open(Object.keys(written)), `step ${index}`).toEqual({ ok: true, values: written });
    }
  });
});

