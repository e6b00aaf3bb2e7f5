import type { Database, LostStore } from "@handoff/db";
import type { ResultMeta } from "@handoff/protocol";
import type { Logger } from "../log.ts";
import type { Timers } from "./clock.ts";
import type { LiveMachine } from "./live-machine.ts";
import { lookupResult, resultKey } from "./result-lookup.ts";
import { reconcileStore } from "./store-reconcile.ts";

/** What a succeeded attempt leaves behind in the cluster: a reference, the value stays on `machine`. */
export interface ResultRef extends ResultMeta {
  readonly machine: string;
  /** Set when the holder dropped the value (retention or disk budget). */
  readonly evicted?: "retention" | "disk_budget";
  /** The holder's result store instance when the result was recorded. */
  readonly storeId?: string;
  /** Set when the value was lost with its machine (it came back with a new result store). */
  readonly lost?: { readonly at: number; readonly machine: string };
  /** The run the holder keeps the value under, when it is not the one asked about (a recompute run). */
  readonly heldUnder?: string;
  /** A lost value being recomputed: the recompute run. */
  readonly recomputedBy?: string;
}

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
