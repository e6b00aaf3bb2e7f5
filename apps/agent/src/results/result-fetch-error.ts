import { z } from "zod";
import type { ErrorKind } from "@handoff/core";
import { GrantRejection } from "@handoff/protocol/grant";
import { EvictionReason } from "./result-store.ts";

const ForbiddenReason = z.enum([...Object.values(GrantRejection), "wrong_result"]);
type ForbiddenReason = z.infer<typeof ForbiddenReason>;

/**
 * Why a holder refused to serve a result, in the API's one error shape (protocol's `ApiErrorBody`: kind, message,
 * details): the body of its 401/403/404/500 answers as `{ error }`, a batch entry's `error`, and what `fetchResult`
 * returns. `wrong_result` means a valid grant for a different `(runId, taskId)` than the one asked for.
 */
export const ResultFetchError = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("unauthorized"), message: z.string() }),
  z.object({ kind: z.literal("forbidden"), message: z.string(), details: z.object({ reason: ForbiddenReason }) }),
  z.object({ kind: z.literal("not_found"), message: z.string() }),
  z.object({ kind: z.literal("evicted"), message: z.string(), details: z.object({ reason: z.enum(Object.values(EvictionReason)) }) }),
  /** The grant asked the holder to run the edge's encode transform, and it failed (or this holder cannot run one). */
  z.object({ kind: z.literal("encode_failed"), message: z.string() }),
]);
export type ResultFetchError = z.infer<typeof ResultFetchError>;
// Every kind a holder answers is a word of the one catalogue.
const kindsInCatalogue: ResultFetchError["kind"] extends ErrorKind ? true : never = true;
void kindsInCatalogue;

/** Every refusal a holder makes, worded once. */
export const Refusal = {
  unauthorized: (): ResultFetchError => ({ kind: "unauthorized", message: "a grant (Authorization: Bearer) is required" }),
  /** `why` (a `wrong_audience` proof's fault) goes after the reason in the message. */
  forbidden: (reason: ForbiddenReason, why?: string): ResultFetchError => ({ kind: "forbidden", message: `the grant is refused (${reason})${why === undefined ? "" : `: ${why}`}`, details: { reason } }),
  notFound: (): ResultFetchError => ({ kind: "not_found", message: "this machine does not hold the result" }),
  evicted: (reason: EvictionReason): ResultFetchError => ({ kind: "evicted", message: `the result was evicted (${reason})`, details: { reason } }),
  encodeFailed: (message: string): ResultFetchError => ({ kind: "encode_failed", message }),
  /** Not held, or evicted for `reason`. */
  missing: (evicted: EvictionReason | undefined): ResultFetchError => (evicted === undefined ? Refusal.notFound() : Refusal.evicted(evicted)),
} as const;
