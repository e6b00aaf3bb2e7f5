import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { FETCH_PROOF_HEADER } from "@handoff/protocol/machine-identity";
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
  /** When given, the bytes are streamed into this store (large values straight to disk) and read back from it. */
  readonly store?: ResultStore;
  /**
   * The task id to store the value under (default `taskId`). A value served through an edge's encode step is not the
   * producer's result, so it is kept under its own key.
   */
  readonly storeTaskId?: string;
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
  const target = new URL(`results/${encodeURIComponent(runId)}/${encodeURIComponent(taskId)}`, withSlash(request.url));
  const response = await get(target, request.grant, request.prove, request.signal);

  if (response.statusCode !== 200) return { ok: false, error: await readRefusal(response) };

  const contentType = response.headers["x-handoff-content-type"];
  const size = Number(response.headers["content-length"]);
  if (!isValueContentType(contentType) || !Number.isSafeInteger(size) || size < 0) {
    response.destroy();
    throw new Error(`result server at ${request.url} sent no usable X-Handoff-Content-Type / Content-Length`);
  }
  if (store === undefined) {
    return { ok: true, value: decodeValue(await readExact(response, size), contentType), size };
  }
  const storeTaskId = request.storeTaskId ?? taskId;
  await store.putStream(runId, storeTaskId, response, { contentType, size });
  const value = await store.get(runId, storeTaskId);
  if (value === undefined) throw new Error(`result ${runId}/${storeTaskId} was evicted locally before it could be read`);
  return { ok: true, value, size };
}

/** What a batch answers for one grant (see the result server's `POST /results/batch`). */
export type BatchItemOutcome = { readonly ok: true; readonly bytes: Uint8Array; readonly contentType: ValueContentType } | { readonly ok: false; readonly error: ResultFetchError | { readonly kind: "single" } };

/**
 * Fetches many small results from one holder in one request. Answers `undefined` when the holder has no batch
 * endpoint (an older agent): fetch them one by one then. Network failures and malformed answers throw.
 */
export async function fetchResultBatch(url: string, grants: readonly string[], prove?: FetchProver): Promise<BatchItemOutcome[] | undefined> {
  const target = new URL("results/batch", withSlash(url));
  const body = Buffer.from(JSON.stringify({ grants }), "utf8");
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = httpRequest(target, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(body.byteLength), ...(prove === undefined ? {} : { [FETCH_PROOF_HEADER]: prove(grants) }) },
      agent: holderConnections,
    });
    outgoing.once("response", resolve);
    outgoing.once("error", reject);
    outgoing.end(body);
  });
  if (response.statusCode === 404 || response.statusCode === 405) {
    response.resume();
    return undefined;
  }
  const size = Number(response.headers["content-length"]);
  if (response.statusCode !== 200 || !Number.isSafeInteger(size) || size < 4) {
    response.resume();
    throw new Error(`result server at ${url} answered a batch with HTTP ${response.statusCode ?? "?"}`);
  }
  const all = Buffer.from((await readExact(response, size)).buffer);
  const headerLength = all.readUInt32BE(0);
  const entries = JSON.parse(all.subarray(4, 4 + headerLength).toString("utf8")) as { ok: boolean; size?: number; contentType?: string; error?: ResultFetchError | { kind: "single" } }[];
  if (!Array.isArray(entries) || entries.length !== grants.length) throw new Error(`result server at ${url} answered ${String(entries.length)} entries for ${grants.length} grants`);
  let offset = 4 + headerLength;
  return entries.map((entry): BatchItemOutcome => {
    if (!entry.ok) return { ok: false, error: entry.error ?? { kind: "single" } };
    const length = entry.size ?? -1;
    if (!isValueContentType(entry.contentType) || !Number.isSafeInteger(length) || length < 0 || offset + length > all.byteLength) {
      throw new Error(`result server at ${url} sent a malformed batch entry`);
    }
    const bytes = all.subarray(offset, offset + length);
    offset += length;
    return { ok: true, bytes, contentType: entry.contentType };
  });
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * Connections to holders are kept alive and bounded per holder: a consumer of thousands of small inputs reuses a
 * few sockets instead of opening one per value (which measured ~1.5 ms each on loopback).
 */
const holderConnections = new HttpAgent({ keepAlive: true, maxSockets: 16, scheduling: "fifo" });

function get(url: URL, grant: string, prove: FetchProver | undefined, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = { Authorization: `Bearer ${grant}`, ...(prove === undefined ? {} : { [FETCH_PROOF_HEADER]: prove([grant]) }) };
    const outgoing = httpRequest(url, { method: "GET", headers, signal, agent: holderConnections });
    outgoing.once("response", resolve);
    outgoing.once("error", reject);
    outgoing.end();
  });
}

async function readRefusal(response: IncomingMessage): Promise<ResultFetchError> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    length += chunk.byteLength;
    if (length > maxErrorBodyBytes) {
      response.destroy();
      break;
    }
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    body = undefined;
  }
  const parsed = ResultFetchError.safeParse((body as { error?: unknown } | undefined)?.error);
  if (!parsed.success) throw new Error(`result server answered ${response.statusCode} with an unexpected body`);
  return parsed.data;
}
