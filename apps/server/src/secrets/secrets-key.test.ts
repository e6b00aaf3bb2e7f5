import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../env.ts";
import { openSecret, sealSecret } from "./secret-box.ts";
import { loadSecretsKeys, parseSecretsKey, readOrCreateKeyFile, SECRETS_KEY_FILE } from "./secrets-key.ts";

const dir = (): string => mkdtempSync(join(tmpdir(), "handoff-secrets-key-"));

describe("the secrets key file", () => {
  it("is created 0600 at first start and read back the same afterwards", () => {
    const dataDir = dir();
    const first = readOrCreateKeyFile(dataDir);
    expect(statSync(join(dataDir, SECRETS_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readOrCreateKeyFile(dataDir)).toEqual(first);
  });

  it.each([0o644, 0o640, 0o604, 0o660])("is refused with mode %o, naming the file and the fix", (mode) => {
    const dataDir = dir();
    readOrCreateKeyFile(dataDir);
    chmodSync(join(dataDir, SECRETS_KEY_FILE), mode);
    expect(() => readOrCreateKeyFile(dataDir)).toThrow(ConfigError);
    expect(() => readOrCreateKeyFile(dataDir)).toThrow(/chmod 600/);
  });

  it("is not written when HANDOFF_SECRETS_KEY gives the key; a malformed key is refused by name", () => {
    const dataDir = dir();
    const keys = loadSecretsKeys({ secretsKey: "11".repeat(32), previousSecretsKeys: [], dataDir });
    expect(keys.source).toBe("environment");
    expect(() => readFileSync(join(dataDir, SECRETS_KEY_FILE))).toThrow();
    expect(() => loadSecretsKeys({ secretsKey: "short", previousSecretsKeys: [], dataDir })).toThrow(/HANDOFF_SECRETS_KEY must be 32 bytes/);
    expect(() => loadSecretsKeys({ secretsKey: undefined, previousSecretsKeys: ["x"], dataDir })).toThrow(/HANDOFF_SECRETS_PREVIOUS_KEYS\[0\]/);
    // base64 of the same 32 bytes is the same key.
    expect(parseSecretsKey(Buffer.from("11".repeat(32), "hex").toString("base64"), "k").keyId).toBe(keys.current.keyId);
  });

  it("is never made for replicas (mayCreate: false): a missing one is an error naming HANDOFF_SECRETS_KEY and the file; an existing one is read", () => {
    const dataDir = dir();
    expect(() => loadSecretsKeys({ secretsKey: undefined, previousSecretsKeys: [], dataDir }, { mayCreate: false })).toThrow(ConfigError);
    expect(() => loadSecretsKeys({ secretsKey: undefined, previousSecretsKeys: [], dataDir }, { mayCreate: false })).toThrow(
      new RegExp(`REDIS_URL: replicas share one secrets key.*set HANDOFF_SECRETS_KEY.*${join(dataDir, SECRETS_KEY_FILE)}`, "s"),
    );
    expect(() => readFileSync(join(dataDir, SECRETS_KEY_FILE))).toThrow(); // nothing written
    const made = readOrCreateKeyFile(dataDir);
    expect(loadSecretsKeys({ secretsKey: undefined, previousSecretsKeys: [], dataDir }, { mayCreate: false }).current).toEqual(made);
    expect(loadSecretsKeys({ secretsKey: "22".repeat(32), previousSecretsKeys: [], dataDir }, { mayCreate: false }).source).toBe("environment");
  });

  it("refuses an empty or garbled key file", () => {
    const dataDir = dir();
    writeFileSync(join(dataDir, SECRETS_KEY_FILE), "not a key\n", { mode: 0o600 });
    expect(() => readOrCreateKeyFile(dataDir)).toThrow(/must be 32 bytes/);
  });
});

describe("a sealed secret", () => {
  const key = parseSecretsKey("22".repeat(32), "k");
  const other = parseSecretsKey("33".repeat(32), "k");

  it("opens with its key and name only, and never holds the value in clear", () => {
    const sealed = sealSecret(key, "warehouse", "hunter2-secret");
    expect(openSecret(key, "warehouse", sealed)).toBe("hunter2-secret");
    expect(Buffer.from(sealed, "base64url").toString("latin1")).not.toContain("hunter2");
    expect(sealSecret(key, "warehouse", "hunter2-secret")).not.toBe(sealed); // a fresh nonce each time
    expect(() => openSecret(other, "warehouse", sealed)).toThrow();
    // A row copied under another name does not open (the name is the additional data).
    expect(() => openSecret(key, "other", sealed)).toThrow();
    const tampered = Buffer.from(sealed, "base64url");
    tampered[14] = tampered[14]! ^ 1;
    expect(() => openSecret(key, "warehouse", tampered.toString("base64url"))).toThrow();
  });
});
