"use client";
import { createContext, useContext } from "react";

/**
 * Whether the canvas currently hides its edge mesh (a large DAG far out). Cards then draw no handles: nothing
 * is attached to them, and 3 handles × 1,000 cards cost a render, a store subscription and a paint chunk each.
 */
export const EdgeMeshHiddenContext = createContext(false);

export function useIsEdgeMeshHiddenForCards(): boolean {
  return useContext(EdgeMeshHiddenContext);
}
