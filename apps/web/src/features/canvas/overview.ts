import { getViewportForBounds, type Viewport } from "@xyflow/react";

/** A task card's size before it is measured (the CSS width; the usual height). */
export const APPROX_NODE_SIZE = { width: 200, height: 84 } as const;
/** Zoom limits shared by the editor and the run view (a 1,000-task DAG fits at about 0.05). */
export const MIN_ZOOM = 0.02;
export const MAX_FIT_ZOOM = 1.2;
/** Below this zoom, a DAG with more edges than `FAR_EDGE_LIMIT` hides its edges (an unreadable mesh that costs every frame). */
export const FAR_ZOOM = 0.2;
export const FAR_EDGE_LIMIT = 400;

/**
 * The viewport that fits every task in a `width × height` pane, from their positions and the approximate card
 * size, so a large DAG's first render is already at its overview zoom (one render and one measurement
 * instead of one at zoom 1 and another after fitting).
 * @example fitViewportFor([{ x: 0, y: 0 }, { x: 1000, y: 0 }], 800, 600) // { x: …, y: …, zoom: 0.6 }
 */
export function fitViewportFor(positions: readonly { readonly x: number; readonly y: number }[], width: number, height: number): Viewport | null {
  if (positions.length === 0 || width <= 0 || height <= 0) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const { x, y } of positions) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x + APPROX_NODE_SIZE.width);
    maxY = Math.max(maxY, y + APPROX_NODE_SIZE.height);
  }
  return getViewportForBounds({ x: minX, y: minY, width: maxX - minX, height: maxY - minY }, width, height, MIN_ZOOM, MAX_FIT_ZOOM, 0.2);
}

/** Whether edges are hidden at `zoom` for a DAG of `edgeCount` edges. */
export function isEdgeMeshHidden(zoom: number, edgeCount: number): boolean {
  return zoom < FAR_ZOOM && edgeCount > FAR_EDGE_LIMIT;
}
