"use client";
import { useStore } from "@xyflow/react";
import { useCallback } from "react";
import { isEdgeMeshHidden } from "./overview.ts";

/** True while the canvas is zoomed so far out that a large DAG's edges are hidden (render inside a ReactFlowProvider). */
export function useEdgeMeshHidden(edgeCount: number): boolean {
  return useStore(useCallback((state: { transform: [number, number, number] }) => isEdgeMeshHidden(state.transform[2], edgeCount), [edgeCount]));
}
