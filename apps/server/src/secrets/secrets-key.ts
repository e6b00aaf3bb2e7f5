import { closeSync, fstatSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { ConfigError } from "../env.ts";

/** An AES-256 key that seals secrets, and its id (stored beside each sealed value, to know what rotation left). */
export interface SecretsKey {
  readonly key: Buffer;
  readonly keyId: string;
}

/** Where the server's secrets key came from: the environment, or the data dir's key file. */
export interface SecretsKeys {
  readonly current: SecretsKey;
  /** Keys of a rotation (`HANDOFF_SECRETS_PREVIOUS_KEYS`): what they sealed is re-sealed with `current` at start. */
  readonly previous: readonly SecretsKey[];
  readonly source: "environment" | "file";
}

export const SECRETS_KEY_FILE = "secrets.key";

/** The current or a previous key with this id; undefined when this server does not have it. */
export function keyWithId(keys: Pick<SecretsKeys, "current" | "previous">, keyId: string): SecretsKey | undefined {
  return keyId === keys.current.keyId ? keys.current : keys.previous.find((key) => key.keyId === keyId);
}

/** The key's id: the first 16 hex digits of SHA-256 over it (names a key without revealing it). */
export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update("handoff secrets key id\0").update(key).digest("hex").slice(0, 16);
}

/**
 * Reads a key written as 64 hex digits or as base64/base64url of 32 bytes.
 * @example parseSecretsKey("00".repeat(32), "HANDOFF_SECRETS_KEY").keyId // "…16 hex digits…"
 */
export function parseSecretsKey(text: string, where: string): SecretsKey {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed) ? Buffer.from(trimmed, "base64") : undefined;
  if (key?.length !== 32) throw new ConfigError(`${where} must be 32 bytes written as 64 hex digits or base64 (make one with \`openssl rand -hex 32\`)`);
  return { key, keyId: keyIdOf(key) };
}

const currentUid = (): number | undefined => (typeof process.getuid === "function" ? process.getuid() : undefined);

/**
 * The key file `<dataDir>/secrets.key`: created (mode 0600, 32 random bytes in hex) at first start, then read. A file
 * that another user owns, or that the group or others may read or write, is refused: whoever reads it opens every
 * secret in the database.
 */
export function readOrCreateKeyFile(dataDir: string, mayCreate = true): SecretsKey {
  const file = join(dataDir, SECRETS_KEY_FILE);
  let fd: number;
  try {
    fd = openSync(file, mayCreate ? "wx" : "r", 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!mayCreate && code === "ENOENT") throw new ConfigError(REPLICAS_NEED_A_KEY(file));
    if (code !== "EEXIST") throw error;
    return readKeyFile(file, openSync(file, "r"));
  }
  if (!mayCreate) return readKeyFile(file, fd);
  try {
    const key = randomBytes(32);
    writeFileSync(fd, `${key.toString("hex")}\n`);
    return { key, keyId: keyIdOf(key) };
  } finally {
    closeSync(fd);
  }
}

/** An existing key file, opened as `fd` (closed here): refused unless it is this user's alone. */
function readKeyFile(file: string, fd: number): SecretsKey {
  try {
    const stats = fstatSync(fd);
    const uid = currentUid();
    if (uid !== undefined && stats.uid !== uid) throw new ConfigError(`the secrets key ${file} is owned by uid ${stats.uid}, not by this user (uid ${uid}); refusing it`);
    if ((stats.mode & 0o077) !== 0) {
      throw new ConfigError(`the secrets key ${file} has mode ${(stats.mode & 0o777).toString(8).padStart(3, "0")}; it must be readable by this user only (chmod 600 ${file})`);
    }
    return parseSecretsKey(readFileSync(fd, "utf8"), `the secrets key ${file}`);
  } finally {
    closeSync(fd);
  }
}

const REPLICAS_NEED_A_KEY = (file: string): string =>
  `invalid configuration:\n  REDIS_URL: replicas share one secrets key (it seals the secrets in the database and everything they exchange on Redis), so none is made for them: set HANDOFF_SECRETS_KEY to the same key on every replica (make one with \`openssl rand -hex 32\`), or give each the same ${file}`;

/**
 * The secrets keys as configured: `HANDOFF_SECRETS_KEY` when set (nothing written to disk), else the data dir's key
 * file; `HANDOFF_SECRETS_PREVIOUS_KEYS` for a rotation. Throws `ConfigError` naming what is wrong. `mayCreate: false`
 * (replicas): a key file that does not exist yet is an error, not made — a replica's own key would open nothing of the others'.
 */
export function loadSecretsKeys(
  config: { readonly secretsKey: string | undefined; readonly previousSecretsKeys: readonly string[]; readonly dataDir: string },
  { mayCreate = true }: { readonly mayCreate?: boolean } = {},
): SecretsKeys {
  const previous = config.previousSecretsKeys.map((text, index) => parseSecretsKey(text, `HANDOFF_SECRETS_PREVIOUS_KEYS[${index}]`));
  if (config.secretsKey !== undefined) return { current: parseSecretsKey(config.secretsKey, "HANDOFF_SECRETS_KEY"), previous, source: "environment" };
  return { current: readOrCreateKeyFile(config.dataDir, mayCreate), previous, source: "file" };
}
