/**
 * Undo/redo history of any immutable value. `transient` changes (a node being dragged) update the present
 * without recording; the next recorded change, or `commit`, records the value from before the first
 * transient change, so a whole drag undoes in one step.
 */
export interface History<T> {
  readonly past: readonly T[];
  readonly present: T;
  readonly future: readonly T[];
  /** The value before the first uncommitted transient change. */
  readonly pending: T | null;
}

export type HistoryAction<T> =
  | { readonly type: "change"; readonly value: T; readonly transient?: boolean }
  | { readonly type: "commit" }
  | { readonly type: "undo" }
  | { readonly type: "redo" }
  /** Starts over from `value` (a file opened or imported): nothing to undo. */
  | { readonly type: "reset"; readonly value: T };

export const HISTORY_LIMIT = 100;

export function createHistory<T>(value: T): History<T> {
  return { past: [], present: value, future: [], pending: null };
}

function record<T>(past: readonly T[], value: T): readonly T[] {
  const next = [...past, value];
  return next.length > HISTORY_LIMIT ? next.slice(next.length - HISTORY_LIMIT) : next;
}

export function historyReducer<T>(history: History<T>, action: HistoryAction<T>): History<T> {
  switch (action.type) {
    case "change": {
      if (Object.is(action.value, history.present)) return history;
      if (action.transient === true) return { ...history, present: action.value, pending: history.pending ?? history.present };
      return { past: record(history.past, history.pending ?? history.present), present: action.value, future: [], pending: null };
    }
    case "commit":
      if (history.pending === null) return history;
      return { past: record(history.past, history.pending), present: history.present, future: [], pending: null };
    case "undo": {
      const settled = historyReducer(history, { type: "commit" });
      const previous = settled.past[settled.past.length - 1];
      if (previous === undefined) return settled;
      return { past: settled.past.slice(0, -1), present: previous, future: [settled.present, ...settled.future], pending: null };
    }
    case "redo": {
      const [next, ...rest] = history.future;
      if (next === undefined) return history;
      return { past: record(history.past, history.present), present: next, future: rest, pending: null };
    }
    case "reset":
      return createHistory(action.value);
  }
}

export function canUndo(history: History<unknown>): boolean {
  return history.past.length > 0 || history.pending !== null;
}

export function canRedo(history: History<unknown>): boolean {
  return history.future.length > 0;
}
