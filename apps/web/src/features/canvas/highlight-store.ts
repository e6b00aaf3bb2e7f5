"use client";
import { createContext, useCallback, useContext, useSyncExternalStore } from "react";
import type { LineageRole } from "./lineage.ts";

export interface HighlightStore {
  /** Replaces every task's role; only tasks whose role changed notify their listeners. */
  set(roles: ReadonlyMap<string, LineageRole>): void;
  get(taskId: string): LineageRole | undefined;
  subscribe(taskId: string, listener: () => void): () => void;
  /** Called after every `set` that changed a role (the painted overview repaints then). */
  subscribeAll(listener: () => void): () => void;
}

/**
 * Each task's highlight role with a listener per task, so selecting a task re-renders only the cards and
 * edges whose role changed (a context value would re-render all 1,000 cards).
 * @example const store = createHighlightStore(); store.set(lineageRoles(tasks, selection)); store.get("sum")
 */
export function createHighlightStore(): HighlightStore {
  let roles: ReadonlyMap<string, LineageRole> = new Map();
  const listeners = new Map<string, Set<() => void>>();
  const allListeners = new Set<() => void>();
  return {
    set(next) {
      const previous = roles;
      roles = next;
      for (const [taskId, set] of listeners) if (previous.get(taskId) !== next.get(taskId)) for (const listener of set) listener();
      if (previous.size > 0 || next.size > 0) for (const listener of allListeners) listener();
    },
    get: (taskId) => roles.get(taskId),
    subscribe(taskId, listener) {
      const set = listeners.get(taskId) ?? listeners.set(taskId, new Set()).get(taskId)!;
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(taskId);
      };
    },
    subscribeAll(listener) {
      allListeners.add(listener);
      return () => allListeners.delete(listener);
    },
  };
}

export const HighlightStoreContext = createContext<HighlightStore | null>(null);

const NO_SUBSCRIPTION = () => () => undefined;

/** This task's highlight role (undefined when nothing is highlighted); re-renders only when it changes. */
export function useHighlightRole(taskId: string): LineageRole | undefined {
  const store = useContext(HighlightStoreContext);
  const subscribe = useCallback((listener: () => void) => (store === null ? NO_SUBSCRIPTION() : store.subscribe(taskId, listener)), [store, taskId]);
  return useSyncExternalStore(subscribe, () => store?.get(taskId), () => store?.get(taskId));
}
