import { open, type FileHandle } from "node:fs/promises";
import type { FetchProofSubject } from "@handoff/protocol/grant";
import { FETCH_PROOF_HEADER } from "@handoff/protocol/machine-identity";
import { directGet, type BodySink } from "./direct-get.ts";
import { ResultFetchError } from "./result-fetch-error.ts";
import type { ResultStore } from "./result-store.ts";
import { decodeValue, isValueContentType, type ValueContentType } from "./value-bytes.ts";

export type FetchResultRequest = {
  /** The holder's result server, e.g. `http://10.0.0.5:7081`. */
  readonly url: string;
  readonly runId: string;
  readonly taskId: string;
  /** A grant signed by the server naming the holder. */
  readonly grant: string;
  /** Signs the grants presented (this machine's identity key): the holder serves only the grant's audience. */
  readonly prove?: FetchProver;
  /**
   * When given, the bytes are streamed into this store (large values straight to disk) and read back from it; a
   * binary value then comes back as a view of the stored bytes (shared memory: pass it on, do not modify it).
   */
  readonly store?: ResultStore;
  /**
   * The task id to store the value under (default `taskId`). A value served through an edge's encode step is not the
   * producer's result, so it is kept under its own key.
   */
  readonly storeTaskId?: string;
  /**
   * `false`: only store the value (`store` required) and answer `value: undefined` — for an input its function takes
   * as a stream or a file, which a value larger than memory must never be read whole for. Default `true`.
   */
  readonly materialize?: boolean;
  /** `grant` names many values (a fan-in's shared grant): fetched in batches with the others it names. */
  readonly isSharedGrant?: boolean;
  readonly signal?: AbortSignal;
};

export type FetchResultOutcome =
  | { readonly ok: true; readonly value: unknown; readonly size: number; /** Already on this machine: nothing moved. */ readonly fromStore?: true }
  | { readonly ok: false; readonly error: ResultFetchError };

/** Makes the `X-Handoff-Proof` header for a request presenting these grants (and names, under a shared grant). */
export type FetchProver = (subject: FetchProofSubject) => string;

const maxErrorBodyBytes = 64 * 1024;

/**
 * Fetches one result directly from the agent that holds it. Refusals (no grant, bad grant, not found, evicted) are
 * returned as values; network failures and protocol violations (a truncated body) throw.
 *
 * @example
 * const outcome = await fetchResult({ url, runId, taskId, grant, store });
 * if (outcome.ok) use(outcome.value);
 */
export async function fetchResult(request: FetchResultRequest): Promise<FetchResultOutcome> {
  const { runId, taskId, store } = request;
  const storeTaskId = request.storeTaskId ?? taskId;
  const url = new URL(`results/${encodeURIComponent(runId)}/${encodeURIComponent(taskId)}`, withSlash(request.url));
  const headers = { Authorization: `Bearer ${request.grant}`, ...(request.prove === undefined ? {} : { [FETCH_PROOF_HEADER]: request.prove({ grants: [request.grant] }) }) };
  let body: Uint8Array | undefined;
  let contentType: ValueContentType | undefined;
  let toDisk: Promise<void> | undefined;
  // Ends the transfer when writing it to disk fails (the signal of the request ends it too).
  const stop = new AbortController();
  const signal = request.signal === undefined ? stop.signal : AbortSignal.any([request.signal, stop.signal]);
  const transfer = directGet({
    url,
    headers,
    signal,
    sinkFor: (head): BodySink => {
      if (head.status !== 200) {
        if (head.size > maxErrorBodyBytes) throw new Error(`result server at ${request.url} answered ${head.status} with a ${head.size}-byte body`);
        body = new Uint8Array(head.size);
        return { kind: "buffer", target: body };
      }
      const announced = head.headers.get("x-handoff-content-type");
      if (!isValueContentType(announced)) throw new Error(`result server at ${request.url} sent no usable X-Handoff-Content-Type`);
      contentType = announced;
      if (store === undefined || store.fitsInMemory(head.size)) {
        // Shared memory: the value goes on to a worker thread without another copy.
        body = new Uint8Array(new SharedArrayBuffer(head.size));
        return { kind: "buffer", target: body };
      }
      // Larger than the memory budget: straight to disk in big blocks, never whole in memory.
      const toFile = receiveIntoFile();
      toDisk = store.putFile(runId, storeTaskId, { contentType, size: head.size }, toFile.fill);
      toDisk.catch((error: unknown) => {
        toFile.refuse(error);
        stop.abort();
      });
      return { kind: "blocks", write: toFile.write, onEnd: toFile.end };
    },
  });
  let answer: Awaited<typeof transfer>;
  try {
    answer = await transfer;
  } catch (error) {
    if (toDisk !== undefined) await toDisk; // its own error names the cause better than the aborted transfer
    throw error;
  }
  if (answer.status !== 200) return { ok: false, error: parseRefusal(answer.status, body ?? new Uint8Array()) };
  if (store === undefined) return { ok: true, value: decodeValue(body!, contentType!), size: answer.size };
  if (toDisk !== undefined) await toDisk;
  else await store.putBytes(runId, storeTaskId, body!, contentType!);
  if (request.materialize === false) return { ok: true, value: undefined, size: answer.size };
  const value = await store.get(runId, storeTaskId, { isShared: true });
  if (value === undefined) throw new Error(`result ${runId}/${storeTaskId} was evicted locally before it could be read`);
  return { ok: true, value, size: answer.size };
}

/**
 * The store's side of a body received into a file: `fill` (given to the store) opens the file and keeps it open until
 * the body `end`s; `write` puts a block at its place once the file is open.
 */
function receiveIntoFile(): { fill: (path: string) => Promise<void>; write: (bytes: Uint8Array, position: number) => Promise<void>; end: (error?: Error) => void; refuse: (error: unknown) => void } {
  let opened!: { resolve: (file: FileHandle) => void; reject: (error: unknown) => void };
  const file = new Promise<FileHandle>((resolve, reject) => (opened = { resolve, reject }));
  file.catch(() => undefined); // a refusal is also thrown by the store's own promise
  let ended!: { resolve: () => void; reject: (error: Error) => void };
  const body = new Promise<void>((resolve, reject) => (ended = { resolve, reject }));
  body.catch(() => undefined);
  let previous: Promise<void> = Promise.resolve(); // the last block's write
  return {
    async fill(path) {
      const handle = await open(path, "wx", 0o600);
      opened.resolve(handle);
      try {
        await body;
      } finally {
        await handle.close();
      }
    },
    write(bytes, position) {
      // One write at a time, in order: buffered writes to one file hold its inode lock, so concurrent ones only wait
      // on it, spinning (measured: 24% less consumer CPU per GiB); the ring's other blocks keep the socket read.
      const next = previous.then(async () => {
        const handle = await file;
        for (let written = 0; written < bytes.byteLength; ) written += (await handle.write(bytes, written, bytes.byteLength - written, position + written)).bytesWritten;
      });
      previous = next.catch(() => undefined);
      return next;
    },
    end: (error) => (error === undefined ? ended.resolve() : ended.reject(error)),
    refuse: (error) => opened.reject(error),
  };
}

export function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

function parseRefusal(status: number, bytes: Uint8Array): ResultFetchError {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    body = undefined;
  }
  const parsed = ResultFetchError.safeParse((body as { error?: unknown } | undefined)?.error);
  if (!parsed.success) throw new Error(`result server answered ${status} with an unexpected body`);
  return parsed.data;
}
