import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { z } from "zod";
import { keepLastFew } from "./last-few.ts";

/** An edge's encode transform, run by the holder before serving: `fn(value, holder, audience, ...args)`. */
export const GrantEncode = z.object({ fn: z.string().min(1).max(200), args: z.array(z.unknown()).optional() });
export type GrantEncode = z.infer<typeof GrantEncode>;

/**
 * What a grant allows: `audience` (the consumer machine) may fetch the result `(runId, taskId)` from `holder` until
 * `expiresAt` (ms epoch). With `encode`, the holder serves `encode.fn(value, holder, audience, ...encode.args)` instead
 * of the stored value (the edge's encode step runs on the producer's machine).
 */
/** A grant names at most this many values (a fan-in of more gets several). */
export const MAX_GRANT_TASK_IDS = 100_000;

export const Grant = z.object({
  runId: z.string().min(1),
  taskId: z.string().min(1),
  holder: z.string().min(1),
  audience: z.string().min(1),
  /**
   * The audience machine's identity (base64url SPKI Ed25519): the holder serves only a request signed with it (see
   * `verifyAudience`). Absent only when the audience is the server itself, which proves itself with the holder's secret.
   */
  audienceKey: z.string().min(1).max(200).optional(),
  expiresAt: z.number().int().nonnegative(),
  encode: GrantEncode.optional(),
  /**
   * A grant for many values of the run at once (a fan-in's inputs from one holder): every task named here may be
   * fetched with it (`taskId` is the first of them). Signed and checked once for all, instead of once per value.
   */
  taskIds: z.array(z.string().min(1)).min(1).max(MAX_GRANT_TASK_IDS).optional(),
  /**
   * The holder accepts fetch proofs of version 2 (over the grants' digest, see `signFetchProof`): its consumer signs
   * those. Absent: version 1 (an older holder). Only selects the proof's format; the holder verifies whichever comes.
   */
  proof: z.literal(2).optional(),
});
export type Grant = z.infer<typeof Grant>;

/** Whether `grant` allows fetching the result of `taskId` (its own task, or one of those it names). */
export function grantNames(grant: Grant, taskId: string): boolean {
  return grant.taskId === taskId || (grant.taskIds?.includes(taskId) ?? false);
}

export const GrantRejection = {
  Malformed: "malformed",
  BadSignature: "bad_signature",
  Expired: "expired",
  WrongHolder: "wrong_holder",
  /** The request did not prove it comes from the grant's audience (no or a bad `X-Handoff-Proof`). */
  WrongAudience: "wrong_audience",
} as const;
export type GrantRejection = (typeof GrantRejection)[keyof typeof GrantRejection];

export type GrantVerification = { ok: true; grant: Grant } | { ok: false; reason: GrantRejection };

export type GrantSecret = string | Uint8Array;

const minSecretBytes = 16;
const base64url = /^[A-Za-z0-9_-]+$/;

// The last secret's key object: a holder checks thousands of grants with one secret (a fan-in's batch), and importing
// the key for each one measured as much as the HMAC itself.
let lastSecret: GrantSecret | undefined;
let lastKey: KeyObject | undefined;

function hmac(secret: GrantSecret, payload: string): Buffer {
  if (secret !== lastSecret || lastKey === undefined) {
    const bytes = typeof secret === "string" ? Buffer.from(secret, "utf8") : secret;
    if (bytes.byteLength < minSecretBytes) throw new TypeError(`grant secret must be at least ${minSecretBytes} bytes`);
    lastKey = createSecretKey(bytes);
    lastSecret = typeof secret === "string" ? secret : undefined; // a byte array can change under us: not cached
  }
  return createHmac("sha256", lastKey).update(payload).digest();
}

const isText = (value: unknown, max = Infinity): value is string => typeof value === "string" && value.length >= 1 && value.length <= max;

/**
 * `Grant.safeParse` without zod for the grants nearly all are (no `encode`): the same rules, checked by hand, since a
 * fan-in's holder checks ten thousand of them in one batch (zod measured ~20 µs a grant). Anything else goes to zod.
 */
function parseGrant(raw: unknown): Grant | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const fields = raw as Record<string, unknown>;
  if (fields["encode"] !== undefined) {
    const parsed = Grant.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  }
  const { runId, taskId, holder, audience, audienceKey, expiresAt, taskIds, proof } = fields;
  if (!isText(runId) || !isText(taskId) || !isText(holder) || !isText(audience)) return undefined;
  if (audienceKey !== undefined && !isText(audienceKey, 200)) return undefined;
  if (typeof expiresAt !== "number" || !Number.isSafeInteger(expiresAt) || expiresAt < 0) return undefined;
  if (taskIds !== undefined && !(Array.isArray(taskIds) && taskIds.length >= 1 && taskIds.length <= MAX_GRANT_TASK_IDS && taskIds.every((id) => isText(id)))) return undefined;
  if (proof !== undefined && proof !== 2) return undefined;
  return { runId, taskId, holder, audience, ...(audienceKey === undefined ? {} : { audienceKey }), expiresAt, ...(taskIds === undefined ? {} : { taskIds }), ...(proof === undefined ? {} : { proof }) };
}

/**
 * Grants are HMAC-signed with node:crypto, so this module is a subpath export (`@handoff/protocol/grant`) kept out of
 * the package index that browsers import.
 */

/**
 * Signs a short-lived grant (HMAC-SHA256) that lets one agent fetch one result directly from the agent holding it.
 * The server issues grants; agents only verify them, so a result never needs the server to pass through.
 *
 * @example
 * const token = signGrant(secret, { runId, taskId, holder: "machine-a", audience: "machine-b", expiresAt: Date.now() + 30_000 });
 */
export function signGrant(secret: GrantSecret, grant: Grant): string {
  const checked = parseGrant(grant) ?? Grant.parse(grant); // parse throws with zod's message when the grant is malformed
  const payload = Buffer.from(JSON.stringify(checked), "utf8").toString("base64url");
  return `${payload}.${hmac(secret, payload).toString("base64url")}`;
}

/**
 * Checks a grant's form, signature (timing-safe), expiry and that it names this machine as the holder.
 * Who is calling is checked separately, per request, by `verifyAudience`.
 */
export function verifyGrant(
  secret: GrantSecret,
  token: string,
  expected: { readonly now: number; readonly holder: string },
): GrantVerification {
  const parts = token.split(".");
  const [payload, signature] = parts;
  if (parts.length !== 2 || payload === undefined || signature === undefined) return rejected("malformed");
  if (!base64url.test(payload) || !base64url.test(signature)) return rejected("malformed");

  const expectedSignature = hmac(secret, payload);
  const givenSignature = Buffer.from(signature, "base64url");
  if (givenSignature.byteLength !== expectedSignature.byteLength || !timingSafeEqual(givenSignature, expectedSignature)) {
    return rejected("bad_signature");
  }

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return rejected("malformed");
  }
  const grant = parseGrant(decoded);
  if (grant === undefined) return rejected("malformed");
  if (expected.now >= grant.expiresAt) return rejected("expired");
  if (grant.holder !== expected.holder) return rejected("wrong_holder");
  return { ok: true, grant };
}

function rejected(reason: GrantRejection): GrantVerification {
  return { ok: false, reason };
}

/** The audience name of grants the server issues for itself (the result relay). */
export const SERVER_AUDIENCE = "server";

/** What a fetch proof covers: the grants a request presents and, under one shared grant, the names it asks for. */
export type FetchProofSubject = { readonly grants: readonly string[]; readonly names?: readonly string[] | undefined };

/** A proof's check: accepted, or why not (the holder's `wrong_audience` refusal says it). */
export type ProofCheck = { readonly ok: true } | { readonly ok: false; readonly why: string };

/** The grants and names as one list: what a version-1 proof and the server's proof sign. */
export function coveredList({ grants, names }: FetchProofSubject): readonly string[] {
  return names === undefined || names.length === 0 ? grants : [...grants, ...names];
}

const LONG_TOKEN_CHARS = 4096;
const proofVersions = new Map<string, 1 | 2>();
const PROOF_VERSIONS_KEPT = 8;

/**
 * The fetch-proof version to sign for a grant's holder, as the grant says (`proof`), read without the secret: the
 * consumer only picks the format with it, the holder verifies whatever comes. 1 for anything unreadable. Kept for the
 * last few long tokens (a fan-in's shared grant goes with each of its batches).
 */
export function proofVersionOf(token: string | undefined): 1 | 2 {
  if (token === undefined) return 1;
  const known = token.length >= LONG_TOKEN_CHARS ? proofVersions.get(token) : undefined;
  if (known !== undefined) return known;
  let version: 1 | 2 = 1;
  try {
    const claims = JSON.parse(Buffer.from(token.slice(0, Math.max(0, token.indexOf("."))), "base64url").toString("utf8")) as { proof?: unknown } | null;
    if (claims?.proof === 2) version = 2;
  } catch {
    // not a grant we can read: the first version, which every holder accepts
  }
  return token.length >= LONG_TOKEN_CHARS ? keepLastFew(proofVersions, token, version, PROOF_VERSIONS_KEPT) : version;
}

function serverProofPayload(grants: readonly string[], at: number): string {
  return JSON.stringify(["handoff server fetch v1", at, grants]);
}

/**
 * The server's proof for a fetch it makes itself (audience `server`): an HMAC with the holder's secret, which only the
 * server and the holder know, over the grants and the time. Sent in the same header as a machine's Ed25519 proof.
 */
export function signServerProof(secret: GrantSecret, grants: readonly string[], at: number): string {
  return `${at}.${hmac(secret, serverProofPayload(grants, at)).toString("base64url")}`;
}

/**
 * Checks that a request presenting `subject` comes from its grant's audience: a grant with `audienceKey` needs that
 * key's signature (`verifyFetchProof`), a server grant needs the server's HMAC proof; both within `maxSkewMs` of `now`.
 * `verifyKeyProof` is passed in so this module stays free of the identity code.
 */
export function verifyAudience(
  secret: GrantSecret,
  grant: Grant,
  proof: string | undefined,
  subject: FetchProofSubject,
  options: { readonly now: number; readonly maxSkewMs: number; readonly verifyKeyProof: (publicKey: string, proof: string | undefined, subject: FetchProofSubject, now: number) => ProofCheck },
): ProofCheck {
  if (grant.audienceKey !== undefined) return options.verifyKeyProof(grant.audienceKey, proof, subject, options.now);
  if (grant.audience !== SERVER_AUDIENCE) return { ok: false, why: `the grant names no key for its audience "${grant.audience}"` };
  const match = /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(proof ?? "");
  if (match === null) return { ok: false, why: proof === undefined ? "no server proof" : "the server proof is malformed" };
  const at = Number(match[1]);
  if (Math.abs(options.now - at) > options.maxSkewMs) return { ok: false, why: `the server proof's time is more than ${options.maxSkewMs} ms from the holder's clock` };
  const expected = hmac(secret, serverProofPayload(coveredList(subject), at));
  const given = Buffer.from(match[2]!, "base64url");
  if (given.byteLength === expected.byteLength && timingSafeEqual(given, expected)) return { ok: true };
  return { ok: false, why: "the server proof does not match the grants presented" };
}
