import type { LostStore } from "@handoff/db";
import type { Logger } from "../log.ts";
import type { LiveMachine } from "./live-machine.ts";
import type { ResultRef } from "./result-ref.ts";

export interface StoreReconcileContext {
  readonly results: Map<string, ResultRef>;
  readonly log: Logger;
  /** Queues the loss for the database, after the task changes already queued (so none of them clears it). */
  recordLost(lost: LostStore): void;
  /** The machine's previous agent process is gone: its attempts and its results in runs still going are lost. */
  previousProcessLost(machine: LiveMachine): void;
}

/**
 * A machine said hello with its result store instance. Every result recorded on it under another instance is
 * lost at once — in memory, in the database (`lostAt`, `lostMachine`) — and when the server knew the previous
 * instance, that process's attempts and results in runs still going take the core's machine-loss path
 * (retry elsewhere, recompute from lineage). Agents too old to send a store id change nothing.
 */
export function reconcileStore(ctx: StoreReconcileContext, machine: LiveMachine, storeId: string | undefined, now: number): void {
  if (storeId === undefined) return;
  const previous = machine.storeId;
  machine.storeId = storeId;
  let lostInMemory = 0;
  for (const [key, ref] of ctx.results) {
    if (ref.machine !== machine.name || ref.storeId === undefined || ref.storeId === storeId || ref.lost) continue;
    ctx.results.set(key, { ...ref, lost: { at: now, machine: machine.name } });
    lostInMemory += 1;
  }
  if (previous !== null && previous !== storeId) ctx.previousProcessLost(machine);
  ctx.recordLost({ machine: machine.name, currentStoreId: storeId, at: new Date(now) });
  if (lostInMemory > 0) ctx.log.warn("machine came back with a new result store: results recorded under the old one are lost", { machine: machine.name, lostInMemory });
}
