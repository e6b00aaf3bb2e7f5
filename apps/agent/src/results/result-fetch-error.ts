import { z } from "zod";
import { GrantRejection } from "@handoff/protocol/grant";
import { EvictionReason } from "./result-store.ts";

/**
 * Why a holder refused to serve a result: the JSON body of its 401/403/404 answers, and what `fetchResult` returns.
 * `wrong_result` means a valid grant for a different `(runId, taskId)` than the one asked for.
 */
export const ResultFetchError = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("unauthorized") }),
  z.object({
    kind: z.literal("forbidden"),
    reason: z.enum([...Object.values(GrantRejection), "wrong_result"]),
  }),
  z.object({ kind: z.literal("not_found") }),
  z.object({ kind: z.literal("evicted"), reason: z.enum(Object.values(EvictionReason)) }),
  /** The grant asked the holder to run the edge's encode transform, and it failed (or this holder cannot run one). */
  z.object({ kind: z.literal("encode_failed"), message: z.string() }),
]);
export type ResultFetchError = z.infer<typeof ResultFetchError>;
