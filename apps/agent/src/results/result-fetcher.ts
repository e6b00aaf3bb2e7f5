import { fetchResult, type FetchResultOutcome, type FetchResultRequest } from "./fetch-result.ts";
import type { ResultStore } from "./result-store.ts";

export type ResultFetcher = {
  /** The value from the local store if it is here, else one download per key shared by every concurrent caller. */
  fetch(request: Omit<FetchResultRequest, "store">): Promise<FetchResultOutcome>;
};

/**
 * Fetches inputs held on other machines once per machine: a value already in the local store is not downloaded
 * again, and concurrent fetches of the same `(runId, taskId)` share one download (and receive the same value).
 *
 * @example
 * const fetcher = createResultFetcher({ store });
 * const outcome = await fetcher.fetch({ url: holderUrl, runId, taskId, grant });
 */
export function createResultFetcher({ store }: { readonly store: ResultStore }): ResultFetcher {
  const inFlight = new Map<string, Promise<FetchResultOutcome>>();

  async function fromStoreOrDownload(request: Omit<FetchResultRequest, "store">): Promise<FetchResultOutcome> {
    const storeTaskId = request.storeTaskId ?? request.taskId;
    const meta = store.meta(request.runId, storeTaskId);
    if (meta !== undefined) {
      const value = await store.get(request.runId, storeTaskId);
      if (value !== undefined) return { ok: true, value, size: meta.size, fromStore: true };
    }
    return fetchResult({ ...request, store });
  }

  return {
    fetch(request) {
      const key = JSON.stringify([request.runId, request.storeTaskId ?? request.taskId]);
      const pending = inFlight.get(key);
      if (pending !== undefined) return pending;
      const started = fromStoreOrDownload(request).finally(() => inFlight.delete(key));
      inFlight.set(key, started);
      return started;
    },
  };
}
