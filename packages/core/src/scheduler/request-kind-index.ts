import type { MachineName, Resources } from "../dag/model.ts";
import type { SchedulerState } from "./scheduler-state.ts";

// The placement indexes (turn-down-index.ts, balance-index.ts) keep one index per kind of request and scheduler state.

/** Kinds of request indexed per scheduler state; past the bound they are all dropped (each rebuilds on its next use). */
const MAX_INDEXED_REQUESTS = 256;

/** A kind of request as placement sees it: its pin (if any), functions and cost amounts, `costKeys` in the order given. */
export function requestKind(pinnedTo: string | undefined, functions: readonly string[], cost: Resources, costKeys: readonly string[]): string {
  let kind = pinnedTo === undefined ? "" : pinnedTo;
  kind += "\u0000";
  for (const fn of functions) kind += `${fn}\u0001`;
  kind += "\u0000";
  for (const key of costKeys) kind += `${key}=${cost[key]}\u0001`;
  return kind;
}

/** Indexes per scheduler state, by kind of request. */
export class RequestKindIndexes<T> {
  readonly #byState = new WeakMap<SchedulerState, Map<string, T>>();

  /** The index of `kind` in `state`, made by `make` the first time (or after the bound dropped them all). */
  get(state: SchedulerState, kind: string, make: () => T): T {
    let byKind = this.#byState.get(state);
    if (byKind === undefined) {
      byKind = new Map<string, T>();
      this.#byState.set(state, byKind);
    }
    let index = byKind.get(kind);
    if (index === undefined) {
      if (byKind.size >= MAX_INDEXED_REQUESTS) byKind.clear();
      index = make();
      byKind.set(kind, index);
    }
    return index;
  }
}

/**
 * Where an index over a list of machines stands in the ledger's log of machines whose claims changed: `sync` calls
 * `changed` with the position (in `positions`) of each machine changed since the last call, or answers false — the
 * index must be rebuilt from `machines` — when the list is another, a machine joined or changed status
 * (`state.machineChanges`), or the log moved past what this index saw.
 */
export class ClaimChangeCursor {
  #machines: readonly unknown[] | undefined;
  #machineChanges = -1;
  #seen = -1;

  sync(state: SchedulerState, machines: readonly unknown[], positions: ReadonlyMap<MachineName, number>, changed: (position: number) => void): boolean {
    const { ledger } = state;
    const count = ledger.changeCount;
    if (machines !== this.#machines || state.machineChanges !== this.#machineChanges || this.#seen < ledger.oldestLoggedChange) {
      this.#machines = machines;
      this.#machineChanges = state.machineChanges;
      this.#seen = count;
      return false;
    }
    for (let n = this.#seen; n < count; n++) {
      const position = positions.get(ledger.changedMachine(n)!);
      if (position !== undefined) changed(position);
    }
    this.#seen = count;
    return true;
  }
}
