import { fetchResultBatch } from "./fetch-batch.ts";
import { fetchResult, type FetchProver, type FetchResultOutcome, type FetchResultRequest } from "./fetch-result.ts";
import type { ResultStore } from "./result-store.ts";
import { decodeValue, ValueContentType } from "./value-bytes.ts";

export type ResultFetcher = {
  /** The value from the local store if it is here, else one download per key shared by every concurrent caller. */
  fetch(request: Omit<FetchResultRequest, "store">): Promise<FetchResultOutcome>;
};

/** Downloads asked for in the same turn of the event loop from the same holder share requests of up to this many. */
const BATCH_SIZE = 500;
const BATCHES_IN_FLIGHT = 4;

type Waiting = {
  readonly request: Omit<FetchResultRequest, "store">;
  /** Its `inFlight` key, forgotten as the download settles. */
  readonly key: string;
  readonly resolve: (outcome: FetchResultOutcome) => void;
  readonly reject: (error: unknown) => void;
};

/**
 * Fetches inputs held on other machines once per machine: a value already in the local store is not downloaded
 * again, and concurrent fetches of the same `(runId, taskId)` share one download (and receive the same value).
 * Downloads asked for together from one holder (a fan-in consumer's inputs) go in batches — one request for many
 * small values — and anything large, encoded on the holder, or refused by an older holder goes alone, streamed.
 *
 * @example
 * const fetcher = createResultFetcher({ store });
 * const outcome = await fetcher.fetch({ url: holderUrl, runId, taskId, grant });
 */
export function createResultFetcher({ store, prove }: { readonly store: ResultStore; /** Signs each request with this machine's identity. */ readonly prove?: FetchProver }): ResultFetcher {
  const inFlight = new Map<string, Promise<FetchResultOutcome>>();
  const queued = new Map<string, Waiting[]>();

  const single = (request: Omit<FetchResultRequest, "store">): Promise<FetchResultOutcome> => fetchResult({ ...request, store, ...(prove === undefined ? {} : { prove }) });

  async function flush(url: string): Promise<void> {
    const waiting = queued.get(url) ?? [];
    queued.delete(url);
    if (waiting.length === 1) {
      const [only] = waiting;
      return single(only!.request).then((outcome) => settle(only!, outcome), (error: unknown) => fail(only!, error));
    }
    // Values under one shared grant go together (the grant is sent and checked once per request); the others apart.
    const groups = new Map<string | undefined, Waiting[]>();
    for (const item of waiting) {
      const key = item.request.isSharedGrant === true ? item.request.grant : undefined;
      const group = groups.get(key) ?? [];
      group.push(item);
      groups.set(key, group);
    }
    const chunks: { readonly items: Waiting[]; readonly sharedGrant: string | undefined }[] = [];
    for (const [sharedGrant, group] of groups) {
      for (let start = 0; start < group.length; start += BATCH_SIZE) chunks.push({ items: group.slice(start, start + BATCH_SIZE), sharedGrant });
    }
    // A few batches in flight at once: the holder prepares one while the previous crosses the wire.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < chunks.length) await fetchBatch(url, chunks[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(BATCHES_IN_FLIGHT, chunks.length) }, lane));
  }

  async function fetchBatch(url: string, { items: chunk, sharedGrant }: { readonly items: Waiting[]; readonly sharedGrant: string | undefined }): Promise<void> {
    try {
      const answers =
        sharedGrant === undefined
          ? await fetchResultBatch(url, chunk.map((item) => item.request.grant), prove)
          : await fetchResultBatch(url, [sharedGrant], prove, chunk.map((item) => item.request.taskId));
      // One pass without a promise per value: the store takes each at once, and the values resolve once all are in.
      const stored: { readonly item: Waiting; readonly value: unknown; readonly size: number }[] = [];
      const puts: Promise<void>[] = [];
      const singles: Promise<void>[] = [];
      for (let index = 0; index < chunk.length; index++) {
        const item = chunk[index]!;
        const answer = answers?.[index];
        if (answer === undefined || (!answer.ok && answer.error.kind === "single")) {
          singles.push(single(item.request).then((outcome) => settle(item, outcome), (error: unknown) => fail(item, error)));
          continue;
        }
        if (!answer.ok) {
          if (answer.error.kind !== "single") settle(item, { ok: false, error: answer.error });
          continue;
        }
        // A small answer is the values' shared storage; out of a large one each value is copied (into shared memory,
        // for a worker thread), so that one value kept does not keep the whole batch alive.
        const bytes = answer.isSlab ? answer.bytes : sharedCopy(answer.bytes);
        puts.push(store.putBytes(item.request.runId, item.request.taskId, bytes, answer.contentType));
        // Decoded from the stored bytes themselves (as `get` with `isShared` would, without looking the value up again);
        // a batch's binary value is already a plain view of its own.
        const value = answer.contentType === ValueContentType.Binary && Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : decodeValue(bytes, answer.contentType);
        stored.push({ item, value, size: bytes.byteLength });
      }
      await Promise.all(puts);
      for (const { item, value, size } of stored) settle(item, { ok: true, value, size });
      await Promise.all(singles);
    } catch (error) {
      for (const item of chunk) fail(item, error);
    }
  }

  // A batched download leaves `inFlight` as it settles (no `finally` promise per value).
  function settle(item: Waiting, outcome: FetchResultOutcome): void {
    inFlight.delete(item.key);
    item.resolve(outcome);
  }

  function fail(item: Waiting, error: unknown): void {
    inFlight.delete(item.key);
    item.reject(error);
  }

  function sharedCopy(bytes: Uint8Array): Uint8Array {
    const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    copy.set(bytes);
    return copy;
  }

  /** Queued for a batch with the others asked for in this turn of the event loop from the same holder. */
  function queue(request: Omit<FetchResultRequest, "store">, key: string): Promise<FetchResultOutcome> {
    return new Promise((resolve, reject) => {
      const list = queued.get(request.url);
      if (list !== undefined) return list.push({ request, key, resolve, reject });
      queued.set(request.url, [{ request, key, resolve, reject }]);
      setImmediate(() => void flush(request.url));
    });
  }

  async function fromStoreOrDownload(request: Omit<FetchResultRequest, "store">): Promise<FetchResultOutcome> {
    const storeTaskId = request.storeTaskId ?? request.taskId;
    const meta = store.meta(request.runId, storeTaskId);
    if (meta !== undefined) {
      if (request.materialize === false) return { ok: true, value: undefined, size: meta.size, fromStore: true };
      const value = await store.get(request.runId, storeTaskId, { isShared: true });
      if (value !== undefined) return { ok: true, value, size: meta.size, fromStore: true };
    }
    return single(request);
  }

  /**
   * A value served through the holder's encode step is not the producer's result: fetched alone. So is one that is
   * only stored (an input taken as a stream or a file: large, as a rule), and one found in the store meanwhile.
   */
  const isBatchable = (request: Omit<FetchResultRequest, "store">): boolean => (request.storeTaskId === undefined || request.storeTaskId === request.taskId) && request.materialize !== false;

  return {
    fetch(request) {
      // Unambiguous (the run id's length first) and cheaper than `JSON.stringify`: a fan-in asks for thousands at once.
      const key = `${request.materialize === false ? "s" : "v"}${request.runId.length}:${request.runId}${request.storeTaskId ?? request.taskId}`;
      const pending = inFlight.get(key);
      if (pending !== undefined) return pending;
      // The common case (a fan-in's inputs, none here yet) is queued at once, without a promise chain per value.
      const started =
        isBatchable(request) && !store.has(request.runId, request.taskId) ? queue(request, key) : fromStoreOrDownload(request).finally(() => inFlight.delete(key));
      inFlight.set(key, started);
      return started;
    },
  };
}
