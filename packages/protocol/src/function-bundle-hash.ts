import { createHash } from "node:crypto";

/**
 * Hashes of function bundles. node:crypto only, so a subpath export (`@handoff/protocol/function-bundle-hash`).
 */

/** SHA-256 (lowercase hex) of a bundle's code, as UTF-8 bytes: the name a bundle is stored and fetched under. */
export function bundleHash(code: string | Uint8Array): string {
  return createHash("sha256").update(code).digest("hex");
}

/**
 * The `codeHash` of a function shipped in a bundle: SHA-256 of its name, a NUL and the bundle's hash. It changes with
 * any byte of the bundle, so a change in an imported helper gives every function of the bundle a new hash.
 * @example shippedCodeHash("text.shout", bundleHash(code))
 */
export function shippedCodeHash(name: string, hash: string): string {
  return createHash("sha256").update(name).update("\0").update(hash).digest("hex");
}
