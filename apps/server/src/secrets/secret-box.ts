import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SecretsKey } from "./secrets-key.ts";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CONTEXT = "handoff secret v1\0";

/** The additional data: binds a sealed value to its name, so a row copied under another name does not open. */
const aad = (name: string): Buffer => Buffer.from(CONTEXT + name, "utf8");

/**
 * Seals a secret's value with AES-256-GCM (a fresh 96-bit nonce each time): base64url of nonce ‖ ciphertext ‖ tag.
 * @example openSecret(key, "warehouse", sealSecret(key, "warehouse", "hunter2")) // "hunter2"
 */
export function sealSecret(key: SecretsKey, name: string, value: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(name));
  const body = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString("base64url");
}

/** Opens what `sealSecret` made under the same key and name; throws when the key, the name or the bytes differ. */
export function openSecret(key: SecretsKey, name: string, sealed: string): string {
  const bytes = Buffer.from(sealed, "base64url");
  if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new Error(`the sealed secret "${name}" is truncated`);
  const decipher = createDecipheriv("aes-256-gcm", key.key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(name));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8");
}
