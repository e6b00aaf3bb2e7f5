"use client";

/**
 * Requests to a Web Worker, each answered by the message carrying its `id`. The worker starts on the first
 * request (or `warm()`); where it cannot start or fails to load, `request` answers null and the caller
 * does the work on the main thread. `start` must call `new Worker(new URL("./x.worker.ts", import.meta.url))`
 * itself, so the bundler sees and bundles the worker.
 * @example
 * const layout = createWorkerChannel<LayoutRequest, LayoutResponse>(() => new Worker(new URL("./layout.worker.ts", import.meta.url)));
 * const answer = await layout.request({ tasks }); // null: lay out here instead
 */
export function createWorkerChannel<Request extends { id: number }, Response extends { id: number }>(start: () => Worker) {
  let worker: Worker | null | undefined;
  let nextId = 0;
  const pending = new Map<number, (response: Response | null) => void>();

  const connect = (): Worker | null => {
    if (worker !== undefined) return worker;
    try {
      worker = typeof Worker === "undefined" ? null : start();
    } catch {
      worker = null;
    }
    if (worker !== null) {
      worker.onmessage = (event: MessageEvent<Response>) => {
        pending.get(event.data.id)?.(event.data);
        pending.delete(event.data.id);
      };
      worker.onerror = () => {
        // A worker that cannot load (no bundler support, a test page): every waiting request falls back.
        for (const resolve of pending.values()) resolve(null);
        pending.clear();
        worker?.terminate();
        worker = null;
      };
    }
    return worker;
  };

  return {
    /** Starts the worker ahead of need (it loads its own script). */
    warm(): void {
      connect();
    },
    request(body: Omit<Request, "id">): Promise<Response | null> {
      const target = connect();
      if (target === null) return Promise.resolve(null);
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        target.postMessage({ ...body, id });
      });
    },
  };
}
