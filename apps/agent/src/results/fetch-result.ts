import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { open, type FileHandle } from "node:fs/promises";
import { FETCH_PROOF_HEADER } from "@handoff/protocol/machine-identity";
import { directGet, type BodySink } from "./direct-get.ts";
import { readExact } from "./read-exact.ts";
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

/** Makes the `X-Handoff-Proof` header for a request presenting these grants. */
export type FetchProver = (grants: readonly string[]) => string;

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
  const headers = { Authorization: `Bearer ${request.grant}`, ...(request.prove === undefined ? {} : { [FETCH_PROOF_HEADER]: request.prove([request.grant]) }) };
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
 * What a batch answers for one grant (see the result server's `POST /results/batch`). `bytes` is a view into the whole
 * answer, in shared memory when `isSlab` (an answer of at most `BATCH_SLAB_MAX_BYTES`, kept as the values' storage).
 */
export type BatchItemOutcome =
  | { readonly ok: true; readonly bytes: Uint8Array; readonly contentType: ValueContentType; readonly isSlab: boolean }
  | { readonly ok: false; readonly error: ResultFetchError | { readonly kind: "single" } };

/**
 * A batch answer up to this size is read into one shared buffer whose views are the values themselves (no copy per
 * value, and none again on the way to a worker thread); a value kept alive keeps at most this much memory with it.
 * A larger answer's values are copied out one by one.
 */
export const BATCH_SLAB_MAX_BYTES = 1024 * 1024;

/**
 * Fetches many small results from one holder in one request: one grant each, or (`taskIds`) the values one shared
 * grant names, answered in `taskIds`' order. Answers `undefined` when the holder has no batch
 * endpoint (an older agent): fetch them one by one then. Network failures and malformed answers throw.
 */
export async function fetchResultBatch(url: string, grants: readonly string[], prove?: FetchProver, taskIds?: readonly string[]): Promise<BatchItemOutcome[] | undefined> {
  const target = new URL("results/batch", withSlash(url));
  const body = Buffer.from(JSON.stringify(taskIds === undefined ? { grants } : { grants, taskIds }), "utf8");
  // With one shared grant, the proof covers the names asked for too: a replayed request cannot ask for others.
  const proven = taskIds === undefined ? grants : [...grants, ...taskIds];
  const post = (): Promise<IncomingMessage> =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = httpRequest(target, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Length": String(body.byteLength), ...(prove === undefined ? {} : { [FETCH_PROOF_HEADER]: prove(proven) }) },
        agent: holderConnections,
      });
      outgoing.once("response", (response) => {
        response.on("error", () => undefined); // reading it reports the error; a second one must not go uncaught
        resolve(response);
      });
      // `on`, not `once`: a socket reset can emit a second error, which would otherwise crash the agent.
      outgoing.on("error", (error: NodeJS.ErrnoException) => reject(Object.assign(error, { isReusedSocket: outgoing.reusedSocket })));
      outgoing.end(body);
    });
  let response: IncomingMessage;
  try {
    response = await post();
  } catch (error) {
    // A kept-alive connection the holder closed while this process was busy fails at once: try once on a new one.
    const { code, isReusedSocket } = error as NodeJS.ErrnoException & { isReusedSocket?: boolean };
    if (isReusedSocket !== true || (code !== "ECONNRESET" && code !== "EPIPE")) throw error;
    response = await post();
  }
  if (response.statusCode === 404 || response.statusCode === 405) {
    response.resume();
    return undefined;
  }
  const size = Number(response.headers["content-length"]);
  if (response.statusCode !== 200 || !Number.isSafeInteger(size) || size < 4) {
    response.resume();
    throw new Error(`result server at ${url} answered a batch with HTTP ${response.statusCode ?? "?"}`);
  }
  const isSlab = size <= BATCH_SLAB_MAX_BYTES;
  const all = Buffer.from((await readExact(response, size, { isShared: isSlab })).buffer);
  const headerLength = all.readUInt32BE(0);
  const entries = JSON.parse(all.subarray(4, 4 + headerLength).toString("utf8")) as { ok: boolean; size?: number; contentType?: string; error?: ResultFetchError | { kind: "single" } }[];
  const asked = taskIds?.length ?? grants.length;
  if (!Array.isArray(entries) || entries.length !== asked) throw new Error(`result server at ${url} answered ${String(entries.length)} entries for ${asked} values`);
  let offset = 4 + headerLength;
  return entries.map((entry): BatchItemOutcome => {
    if (!entry.ok) return { ok: false, error: entry.error ?? { kind: "single" } };
    const length = entry.size ?? -1;
    if (!isValueContentType(entry.contentType) || !Number.isSafeInteger(length) || length < 0 || offset + length > all.byteLength) {
      throw new Error(`result server at ${url} sent a malformed batch entry`);
    }
    const bytes = all.subarray(offset, offset + length);
    offset += length;
    return { ok: true, bytes, contentType: entry.contentType, isSlab };
  });
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

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * Connections to holders are kept alive and bounded per holder: a consumer of thousands of small inputs reuses a
 * few sockets instead of opening one per value (which measured ~1.5 ms each on loopback).
 */
const holderConnections = new HttpAgent({ keepAlive: true, maxSockets: 16, scheduling: "fifo" });

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
