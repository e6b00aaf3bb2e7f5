"use client";
import { useNodesInitialized, useReactFlow, type ReactFlowState } from "@xyflow/react";
import { useEffect, useRef } from "react";

/**
 * Fits the view once every node has been measured, once per `request` (a DAG opened or imported): cards
 * measured later (zooming in, a jump to a task) never snap the view back. Fitting earlier uses zero-size
 * nodes and cuts off the rightmost column. Render inside <ReactFlow>.
 */
export function FitWhenReady({ request }: { request: number }) {
  const isReady = useNodesInitialized();
  const { fitView } = useReactFlow();
  const fitted = useRef<number | null>(null);
  useEffect(() => {
    if (!isReady || fitted.current === request) return;
    fitted.current = request;
    void fitView({ padding: 0.2, maxZoom: 1.2 });
  }, [isReady, request, fitView]);
  return null;
}

type FitQueue = Pick<ReactFlowState, "fitViewQueued" | "fitViewOptions" | "fitViewResolver">;

/**
 * Drops a fit React Flow still holds queued (its `fitView` waits for the next nodes that are all measured): a fit
 * asked for the DAG open before must not move the view of the one opened now. Seen in the bench: a restored
 * draft's fit was still queued when a 1,000-task DAG was imported over it (painted, so React Flow held no
 * nodes); it ran when a click's jump handed React Flow the cards, and fitted the whole DAG instead.
 */
export function cancelQueuedFit(store: { getState(): FitQueue; setState(partial: Partial<FitQueue>): void }): void {
  const { fitViewQueued, fitViewResolver } = store.getState();
  if (!fitViewQueued && fitViewResolver === null) return;
  fitViewResolver?.resolve(false);
  store.setState({ fitViewQueued: false, fitViewOptions: undefined, fitViewResolver: null });
}
