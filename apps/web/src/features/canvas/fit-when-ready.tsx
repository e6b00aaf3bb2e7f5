"use client";
import { useNodesInitialized, useReactFlow } from "@xyflow/react";
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
