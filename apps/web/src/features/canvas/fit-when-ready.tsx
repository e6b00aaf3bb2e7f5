"use client";
import { useNodesInitialized, useReactFlow } from "@xyflow/react";
import { useEffect } from "react";

/**
 * Fits the view once every node has been measured, and again whenever `request` changes (a DAG opened or
 * imported). Fitting earlier uses zero-size nodes and cuts off the rightmost column. Render inside <ReactFlow>.
 */
export function FitWhenReady({ request }: { request: number }) {
  const isReady = useNodesInitialized();
  const { fitView } = useReactFlow();
  useEffect(() => {
    if (isReady) void fitView({ padding: 0.2, maxZoom: 1.2 });
  }, [isReady, request, fitView]);
  return null;
}
