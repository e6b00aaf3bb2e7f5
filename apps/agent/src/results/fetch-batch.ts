import { keepLastFew } from "@handoff/protocol/last-few";
import { FETCH_PROOF_HEADER } from "@handoff/protocol/machine-identity";
import { directGet, type BodySink } from "./direct-get.ts";
import type { FetchProver } from "./fetch-result.ts";
import { withSlash } from "./fetch-result.ts";
import type { ResultFetchError } from "./result-fetch-error.ts";
import { isValueContentType, type ValueContentType } from "./value-bytes.ts";

/**
 * What a batch answers for one grant (see the result server's `POST /results/batch`). `bytes` is a view into the whole
 * answer, in shared memory when `isSlab` (an answer of at most `BATCH_SLAB_MAX_BYTES`, kept as the values' storage).
 */
export type BatchItemOutcome =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly contentType: ValueContentType; readonly isSlab: boolean }
  | { readonly ok: false; readonly error: ResultFetchError | { readonly kind: "single" } };

/**
 * A batch answer up to this size is read into one shared buffer whose views are the values themselves (no copy per
 * value, and none again on the way to a worker thread); a value kept alive keeps at most this much memory with it.
 * A larger answer's values are copied out one by one. (A full batch of 1 KiB values, its header included, fits.)
 */
export const BATCH_SLAB_MAX_BYTES = 2 * 1024 * 1024;
/** An answer that is not the batch (an older holder's 404, an error) is read only up to this size. */
const MAX_REFUSAL_BYTES = 64 * 1024;

/**
 * Fetches many small results from one holder in one request: one grant each, or (`taskIds`) the values one shared
 * grant names, answered in `taskIds`' order. The answer is read by the kernel straight into one buffer (`directGet`):
 * no HTTP parser, stream or copy between the socket and the values. Answers `undefined` when the holder has no batch
 * endpoint (an older agent): fetch them one by one then. Network failures and malformed answers throw.
 */
export async function fetchResultBatch(url: string, grants: readonly string[], prove?: FetchProver, taskIds?: readonly string[]): Promise<BatchItemOutcome[] | undefined> {
  const target = new URL("results/batch", withSlash(url));
  const body = batchBody(grants, taskIds);
  // With one shared grant, the proof covers the names asked for too: a replayed request cannot ask for others.
  let all: Uint8Array | undefined;
  let isSlab = false;
  const answer = await directGet({
    url: target,
    body,
    headers: { "Content-Type": "application/json", ...(prove === undefined ? {} : { [FETCH_PROOF_HEADER]: prove({ grants, names: taskIds }) }) },
    sinkFor: ({ status, size }): BodySink => {
      if (status !== 200 && size > MAX_REFUSAL_BYTES) throw new Error(`result server at ${url} answered a batch with HTTP ${status} and a ${size}-byte body`);
      isSlab = status === 200 && size <= BATCH_SLAB_MAX_BYTES;
      all = new Uint8Array(isSlab ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
      return { kind: "buffer", target: all };
    },
  });
  if (answer.status === 404 || answer.status === 405) return undefined;
  if (answer.status !== 200 || answer.size < 4) throw new Error(`result server at ${url} answered a batch with HTTP ${answer.status}`);
  return parseBatchAnswer(url, all!, isSlab, taskIds?.length ?? grants.length);
}

/**
 * The start of a batch body under one shared grant, `{"grants":[<grant>],"taskIds":`, kept encoded for the last few
 * grants: a fan-in's grant (~130 KB for 10,000 names) goes with each of its batches, and encoding the whole body anew
 * each time cost ~1.7 ms a batch (fresh memory for the text and its bytes) against ~0.02 ms for the names alone.
 */
const bodyHeads = new Map<string, Buffer>();
const BODY_HEADS_KEPT = 8;

/** `JSON.stringify({ grants, taskIds })` as UTF-8, in pieces written together. */
function batchBody(grants: readonly string[], taskIds: readonly string[] | undefined): readonly Uint8Array[] {
  if (taskIds === undefined || grants.length !== 1) return [Buffer.from(JSON.stringify(taskIds === undefined ? { grants } : { grants, taskIds }), "utf8")];
  const grant = grants[0]!;
  const head = bodyHeads.get(grant) ?? keepLastFew(bodyHeads, grant, Buffer.from(`{"grants":${JSON.stringify(grants)},"taskIds":`, "utf8"), BODY_HEADS_KEPT);
  return [head, Buffer.from(`${JSON.stringify(taskIds)}}`, "utf8")];
}

/** A batch answer: a 4-byte big-endian header length, the header (a JSON array of entries), the values back to back. */
function parseBatchAnswer(url: string, all: Uint8Array, isSlab: boolean, asked: number): BatchItemOutcome[] {
  const headerLength = new DataView(all.buffer, all.byteOffset, all.byteLength).getUint32(0);
  if (4 + headerLength > all.byteLength) throw new Error(`result server at ${url} sent a batch header of ${headerLength} bytes in a ${all.byteLength}-byte answer`);
  const entries = JSON.parse(Buffer.from(all.buffer, all.byteOffset + 4, headerLength).toString("utf8")) as { ok: boolean; size?: number; contentType?: string; error?: ResultFetchError | { kind: "single" } }[];
  if (!Array.isArray(entries) || entries.length !== asked) throw new Error(`result server at ${url} answered ${String((entries as unknown[] | undefined)?.length)} entries for ${asked} values`);
  let offset = all.byteOffset + 4 + headerLength;
  const end = all.byteOffset + all.byteLength;
  const outcomes = new Array<BatchItemOutcome>(entries.length);
  for (let index = 0; index < entries.length; index++) {
    const entry = entries[index]!;
    if (!entry.ok) {
      outcomes[index] = { ok: false, error: entry.error ?? { kind: "single" } };
      continue;
    }
    const length = entry.size ?? -1;
    if (!isValueContentType(entry.contentType) || !Number.isSafeInteger(length) || length < 0 || offset + length > end) {
      throw new Error(`result server at ${url} sent a malformed batch entry (#${index}: ${JSON.stringify(entry).slice(0, 200)})`);
    }
    // A plain view (not a Buffer): the value itself, decoded as a binary value without another object.
    outcomes[index] = { ok: true, bytes: new Uint8Array(all.buffer, offset, length), contentType: entry.contentType, isSlab };
    offset += length;
  }
  return outcomes;
}
