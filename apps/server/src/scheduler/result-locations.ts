import type { Database, LostStore } from "@handoff/db";
import type { Logger } from "../log.ts";
import type { Timers } from "./clock.ts";
import type { LiveMachine } from "./live-machine.ts";
import { lookupResult, resultKey } from "./result-lookup.ts";
import { reconcileStore } from "./store-reconcile.ts";
import type { ResultRef } from "./result-ref.ts";

export type { ResultRef };

/** What the scheduler does when a machine's store changed (see `reconcileStore`). */
export interface StoreChangeHooks {
  recordLost(lost: LostStore): void;
  previousProcessLost(machine: LiveMachine): void;
}

/**
 * Where each result lives. In memory today (newer than the database while writes are behind); several server
 * replicas would share it through PostgreSQL or Redis behind this interface.
 */
export interface ResultLocations {
  /** Records where (runId, taskId)'s value lives and wakes whoever waits for it. */
  register(runId: string, taskId: string, ref: ResultRef): void;
  /** The run the holder keeps (runId, taskId)'s value under when it is another one (a re-run reused it). */
  heldUnder(runId: string, taskId: string): string | undefined;
  /** Where a result can be read (lost and evicted ones included, with a recompute run's copy when there is one). */
  lookup(runId: string, taskId: string): Promise<ResultRef | undefined>;
  /** Resolves when the result exists, or with undefined after `timeoutMs`. */
  waitFor(runId: string, taskId: string, timeoutMs: number): Promise<ResultRef | undefined>;
  /** The holder `machine` dropped the value: false when the recorded result lives elsewhere (a fetched copy). */
  markEvicted(runId: string, taskId: string, machine: string, reason: "retention" | "disk_budget"): boolean;
  /** The machine said hello with result store `storeId`: results recorded under another instance are lost. */
  reconcileStore(machine: LiveMachine, storeId: string | undefined, now: number, hooks: StoreChangeHooks): void;
}

export function createInMemoryResultLocations(deps: { readonly db: Database; readonly log: Logger; readonly timers: Timers }): ResultLocations {
  const results = new Map<string, ResultRef>();
  const waiters = new Map<string, Set<(ref: ResultRef | undefined) => void>>();
  const lookup = (runId: string, taskId: string): Promise<ResultRef | undefined> => lookupResult({ results, db: deps.db }, runId, taskId);
  return {
    register(runId, taskId, ref) {
      const key = resultKey(runId, taskId);
      results.set(key, ref);
      const waiting = waiters.get(key);
      if (!waiting) return;
      waiters.delete(key);
      for (const resolve of waiting) resolve(ref);
    },
    heldUnder: (runId, taskId) => results.get(resultKey(runId, taskId))?.heldUnder,
    lookup,
    async waitFor(runId, taskId, timeoutMs) {
      const known = await lookup(runId, taskId);
      if (known || timeoutMs <= 0) return known;
      const key = resultKey(runId, taskId);
      return new Promise((resolve) => {
        const set = waiters.get(key) ?? new Set();
        const done = (ref: ResultRef | undefined): void => {
          deps.timers.clear(timer);
          set.delete(done);
          resolve(ref);
        };
        const timer = deps.timers.set(timeoutMs, () => done(undefined));
        set.add(done);
        waiters.set(key, set);
      });
    },
    markEvicted(runId, taskId, machine, reason) {
      const key = resultKey(runId, taskId);
      const ref = results.get(key);
      if (!ref || ref.machine !== machine) return false;
      results.set(key, { ...ref, evicted: reason });
      return true;
    },
    reconcileStore(machine, storeId, now, hooks) {
      reconcileStore({ results, log: deps.log, ...hooks }, machine, storeId, now);
    },
  };
}
