"use client";
import { useStoreApi } from "@xyflow/react";
import { useCallback } from "react";

type FlowStore = ReturnType<typeof useStoreApi>;
const pending = new WeakMap<FlowStore, Set<string>>();

/**
 * `useUpdateNodeInternals`, but every call made while one render commits is applied as one update: when 1,000
 * cards gain their handles at once (zooming in past the hidden-mesh zoom), React Flow re-measures them in one
 * store change instead of 1,000.
 */
export function useBatchedUpdateNodeInternals(): (nodeId: string) => void {
  const store = useStoreApi();
  return useCallback(
    (nodeId: string) => {
      let ids = pending.get(store);
      if (ids === undefined) {
        const batch = new Set<string>();
        ids = batch;
        pending.set(store, batch);
        requestAnimationFrame(() => {
          pending.delete(store);
          const { domNode, updateNodeInternals } = store.getState();
          const updates = new Map<string, { id: string; nodeElement: HTMLDivElement; force: boolean }>();
          for (const id of batch) {
            const nodeElement = domNode?.querySelector<HTMLDivElement>(`.react-flow__node[data-id="${CSS.escape(id)}"]`);
            if (nodeElement !== null && nodeElement !== undefined) updates.set(id, { id, nodeElement, force: true });
          }
          if (updates.size > 0) updateNodeInternals(updates, { triggerFitView: false });
        });
      }
      ids.add(nodeId);
    },
    [store],
  );
}
