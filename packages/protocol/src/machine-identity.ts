import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { coveredList, proofVersionOf, type FetchProofSubject, type ProofCheck } from "./grant.ts";
import { keepLastFew } from "./last-few.ts";

/**
 * A machine's identity is an Ed25519 key pair its agent keeps. The server binds a machine name to the public key at
 * the first join; afterwards every hello proves the key by signing the server's fresh nonce, and every result fetch
 * proves it to the holder. node:crypto only, so this is a subpath export (`@handoff/protocol/machine-identity`).
 */

/** The server-chosen context a hello proof is bound to (a signature made for anything else never verifies as one). */
export const HELLO_PROOF_CONTEXT = "handoff agent hello v1";
const FETCH_PROOF_CONTEXT = "handoff result fetch v1";
const FETCH_PROOF_V2_CONTEXT = "handoff result fetch v2";
/**
 * The fetch-proof versions a result server of this code accepts (an agent announces them in its hello): 1 signs the
 * grants' whole text, 2 their SHA-256 digest (a fan-in's ~100 KB shared grant is hashed once, not signed per batch).
 */
export const FETCH_PROOF_VERSIONS = [1, 2] as const;
export type FetchProofVersion = (typeof FETCH_PROOF_VERSIONS)[number];
/** How far a fetch proof's timestamp may be from the holder's clock. */
export const FETCH_PROOF_MAX_SKEW_MS = 60_000;
/** The request header a consumer proves its identity in: `<epoch ms>.<base64url Ed25519 signature>` (v1), `v2.` before it (v2). */
export const FETCH_PROOF_HEADER = "x-handoff-proof";

const publicKeyText = /^[A-Za-z0-9_-]{40,100}$/;
const signatureText = /^[A-Za-z0-9_-]{86}$/;

/** A new Ed25519 key pair; the private key as PKCS#8 PEM (what the agent writes to its data dir, mode 0600). */
export function generateMachineKey(): { readonly privateKeyPem: string; readonly publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKey: encodePublicKey(publicKey) };
}

/** Reads a PKCS#8 PEM private key; throws naming the problem when it is not an Ed25519 key. */
export function loadMachineKey(privateKeyPem: string): { readonly privateKey: KeyObject; readonly publicKey: string } {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== "ed25519") throw new TypeError(`expected an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? "unknown"}`);
  return { privateKey, publicKey: encodePublicKey(createPublicKey(privateKey)) };
}

/** The public key as it travels and is stored: base64url of its SPKI DER. */
export function encodePublicKey(key: KeyObject): string {
  return key.export({ type: "spki", format: "der" }).toString("base64url");
}

/** The public key from its text form, or undefined when it is not an Ed25519 public key. */
export function decodePublicKey(text: string): KeyObject | undefined {
  if (!publicKeyText.test(text)) return undefined;
  // A holder checks the same few consumers' keys on every fetch (~0.5 ms each to decode): the last few are kept.
  const known = decodedKeys.get(text);
  if (known !== undefined) return known;
  let key: KeyObject | undefined;
  try {
    key = createPublicKey({ key: Buffer.from(text, "base64url"), format: "der", type: "spki" });
  } catch {
    return undefined;
  }
  if (key.asymmetricKeyType !== "ed25519") return undefined;
  return keepLastFew(decodedKeys, text, key, DECODED_KEYS_KEPT);
}
const DECODED_KEYS_KEPT = 64;
const decodedKeys = new Map<string, KeyObject>();

function helloMessage(proof: { readonly context: string; readonly nonce: string; readonly name: string }): Buffer {
  return Buffer.from(JSON.stringify([proof.context, proof.nonce, proof.name]), "utf8");
}

/**
 * Signs (context, nonce, machine name) for a hello.
 * @example signHelloProof(key.privateKey, { context: HELLO_PROOF_CONTEXT, nonce, name: "gpu-1" })
 */
export function signHelloProof(privateKey: KeyObject, proof: { readonly context: string; readonly nonce: string; readonly name: string }): string {
  return sign(null, helloMessage(proof), privateKey).toString("base64url");
}

/** True when `signature` is `publicKey`'s signature of (context, nonce, name). */
export function verifyHelloProof(publicKey: string, signature: string, proof: { readonly context: string; readonly nonce: string; readonly name: string }): boolean {
  const key = decodePublicKey(publicKey);
  if (key === undefined || !signatureText.test(signature)) return false;
  return verify(null, helloMessage(proof), key, Buffer.from(signature, "base64url"));
}

/**
 * The UTF-8 JSON of the last few long grants a version-1 proof covered: a fan-in's shared grant (~100 KB, naming
 * thousands of values) is signed by its consumer and checked by its holder with every batch, and encoding it each time
 * cost more than the signature.
 */
const quotedGrants = new Map<string, Buffer>();
const QUOTED_GRANTS_KEPT = 8;
const LONG_GRANT_CHARS = 4096;

/** `JSON.stringify([FETCH_PROOF_CONTEXT, at, grants])` as UTF-8, byte for byte (what a version-1 proof signs). */
function fetchMessage(grants: readonly string[], at: number): Buffer {
  const first = grants[0];
  if (first === undefined || first.length < LONG_GRANT_CHARS) return Buffer.from(JSON.stringify([FETCH_PROOF_CONTEXT, at, grants]), "utf8");
  let quoted = quotedGrants.get(first);
  if (quoted === undefined) {
    quoted = keepLastFew(quotedGrants, first, Buffer.from(JSON.stringify(first), "utf8"), QUOTED_GRANTS_KEPT);
  }
  const head = `${JSON.stringify([FETCH_PROOF_CONTEXT, at]).slice(0, -1)},[`;
  const tail = grants.length === 1 ? "]]" : `,${JSON.stringify(grants.slice(1)).slice(1)}]`;
  return Buffer.concat([Buffer.from(head, "utf8"), quoted, Buffer.from(tail, "utf8")]);
}

/** The digests of the last few long single grants (a fan-in's shared grant, hashed once for all its batches). */
const grantDigests = new Map<string, string>();

/** base64url SHA-256 of `JSON.stringify(grants)` in UTF-8. */
function grantsDigest(grants: readonly string[]): string {
  const only = grants.length === 1 && grants[0]!.length >= LONG_GRANT_CHARS ? grants[0]! : undefined;
  const known = only === undefined ? undefined : grantDigests.get(only);
  if (known !== undefined) return known;
  const digest = createHash("sha256").update(JSON.stringify(grants), "utf8").digest("base64url");
  return only === undefined ? digest : keepLastFew(grantDigests, only, digest, QUOTED_GRANTS_KEPT);
}

/** `JSON.stringify([FETCH_PROOF_V2_CONTEXT, at, sha256(JSON.stringify(grants)), names])` as UTF-8 (what a v2 proof signs). */
function fetchMessageV2({ grants, names }: FetchProofSubject, at: number): Buffer {
  return Buffer.from(JSON.stringify([FETCH_PROOF_V2_CONTEXT, at, grantsDigest(grants), names ?? []]), "utf8");
}

/**
 * The consumer's proof for a result fetch (`X-Handoff-Proof`): its signature over the grants it presents, the names it
 * asks for under a shared grant, and the time. `version` defaults to what the first grant says its holder accepts
 * (`proofVersionOf`): 2 signs the grants' digest instead of their text, 1 is what every holder accepts.
 * @example headers[FETCH_PROOF_HEADER] = signFetchProof(key, { grants: [grant] }, Date.now())
 */
export function signFetchProof(privateKey: KeyObject, subject: FetchProofSubject, at: number, version: FetchProofVersion = proofVersionOf(subject.grants[0])): string {
  if (version === 2) return `v2.${at}.${sign(null, fetchMessageV2(subject, at), privateKey).toString("base64url")}`;
  return `${at}.${sign(null, fetchMessage(coveredList(subject), at), privateKey).toString("base64url")}`;
}

/**
 * Checks a fetch proof of any version in `accepted` (default: all this code knows) against the audience's public key
 * (taken from the verified grant), what the request presents and the holder's clock; when refused, says why.
 */
export function verifyFetchProof(publicKey: string, header: string | undefined, subject: FetchProofSubject, now: number, accepted: readonly FetchProofVersion[] = FETCH_PROOF_VERSIONS): ProofCheck {
  if (header === undefined) return { ok: false, why: `no ${FETCH_PROOF_HEADER} header` };
  const match = /^(?:v(\d{1,3})\.)?(\d{1,16})\.([A-Za-z0-9_-]{86})$/.exec(header);
  // A version-1 proof has no prefix (the form holders before version 2 read); a later one says its version.
  if (match === null || match[1] === "1") return { ok: false, why: `the ${FETCH_PROOF_HEADER} header is malformed` };
  const version = match[1] === undefined ? 1 : Number(match[1]);
  if (!(accepted as readonly number[]).includes(version)) return { ok: false, why: `the proof's version ${version} is not one this holder accepts (${accepted.join(", ")})` };
  const at = Number(match[2]);
  if (Math.abs(now - at) > FETCH_PROOF_MAX_SKEW_MS) return { ok: false, why: `the proof's time is more than ${FETCH_PROOF_MAX_SKEW_MS} ms from the holder's clock` };
  const key = decodePublicKey(publicKey);
  if (key === undefined) return { ok: false, why: "the grant's audience key is not an Ed25519 key" };
  const signature = Buffer.from(match[3]!, "base64url");
  if (version === 1) {
    return verify(null, fetchMessage(coveredList(subject), at), key, signature) ? { ok: true } : { ok: false, why: "the proof is not the audience's signature of the grants and names presented" };
  }
  return verify(null, fetchMessageV2(subject, at), key, signature) ? { ok: true } : { ok: false, why: "the v2 proof is not the audience's signature of the presented grants' digest and names" };
}
