import type { TaskId } from "@handoff/core";

export type StoreLookup = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly kind: "not_found" };

/** Fetches a value this store lacks from wherever it lives (another machine); may throw if that fails. */
export type FetchRemote = (runId: string, id: TaskId) => StoreLookup | Promise<StoreLookup>;

export interface GetWithTimeoutOptions {
  /** Give up after this long (default 5000 ms, like Handoff). */
  readonly timeoutMs?: number;
  /** Re-check at most this often (default 100 ms); a local `store` wakes the waiter at once. */
  readonly pollMs?: number;
  /** Tried on every poll; its errors are swallowed and the poll repeats, as in Handoff. */
  readonly fetchRemote?: FetchRemote;
}

const NOT_FOUND: StoreLookup = { ok: false, kind: "not_found" };

/**
 * Results kept on the machine that made (or fetched) them, keyed by `(runId, id)` — Handoff's
 * `ResultStore` plus `DistributedResultStore.get_with_timeout`. `store` overwrites; nothing is evicted
 * until `clear(runId)`.
 * @example
 * const store = new ResultStore();
 * store.store("run-1", "resize", image);
 * store.get("run-1", "resize"); // { ok: true, value: image }
 */
export class ResultStore {
  readonly #runs = new Map<string, Map<TaskId, unknown>>();
  readonly #waiters = new Map<string, Set<() => void>>();

  store(runId: string, id: TaskId, value: unknown): void {
    let run = this.#runs.get(runId);
    if (run === undefined) {
      run = new Map();
      this.#runs.set(runId, run);
    }
    run.set(id, value);
    const key = waiterKey(runId, id);
    const waiters = this.#waiters.get(key);
    if (waiters !== undefined) {
      this.#waiters.delete(key);
      for (const wake of waiters) wake();
    }
  }

  get(runId: string, id: TaskId): StoreLookup {
    const run = this.#runs.get(runId);
    return run !== undefined && run.has(id) ? { ok: true, value: run.get(id) } : NOT_FOUND;
  }

  has(runId: string, id: TaskId): boolean {
    return this.#runs.get(runId)?.has(id) ?? false;
  }

  /** Forgets every value of one run (other runs are untouched). */
  clear(runId: string): void {
    this.#runs.delete(runId);
  }

  /** Run ids that hold at least one value. */
  runIds(): string[] {
    return [...this.#runs.keys()];
  }

  /** The local value, or else `fetchRemote`'s, which is then cached here. Errors from `fetchRemote` propagate. */
  async getWithFetch(runId: string, id: TaskId, fetchRemote?: FetchRemote): Promise<StoreLookup> {
    const local = this.get(runId, id);
    if (local.ok || fetchRemote === undefined) return local;
    const remote = await fetchRemote(runId, id);
    if (remote.ok) this.store(runId, id, remote.value);
    return remote;
  }

  /**
   * Waits for a value to appear (stored here or fetchable) for up to `timeoutMs`. Unknown ids end in
   * `{ ok: false, kind: "timeout" }`, never an exception.
   */
  async getWithTimeout(
    runId: string,
    id: TaskId,
    options: GetWithTimeoutOptions = {},
  ): Promise<{ readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly kind: "timeout" }> {
    const { timeoutMs = 5000, pollMs = 100, fetchRemote } = options;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      let found: StoreLookup;
      try {
        found = await this.getWithFetch(runId, id, fetchRemote);
      } catch {
        found = NOT_FOUND;
      }
      if (found.ok) return found;
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) return { ok: false, kind: "timeout" };
      await this.#waitForStore(runId, id, Math.min(pollMs, remainingMs));
    }
  }

  #waitForStore(runId: string, id: TaskId, ms: number): Promise<void> {
    const key = waiterKey(runId, id);
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(key);
      if (waiters === undefined) {
        waiters = new Set();
        this.#waiters.set(key, waiters);
      }
      const set = waiters;
      const wake = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      set.add(wake);
    });
  }
}

function waiterKey(runId: string, id: TaskId): string {
  return `${runId.length}:${runId}${id}`;
}
