import { getViewportForBounds, type Viewport } from "@xyflow/react";

/** A task card's size before it is measured (the CSS width; the usual height). */
export const APPROX_NODE_SIZE = { width: 200, height: 84 } as const;
/** Below this zoom the text is unreadable: nodes draw as plain cards (a 1,000-task DAG fitted in view). */
export const DETAIL_MIN_ZOOM = 0.3;
/** Up to this zoom a card shows only its id and function, in large type (the detailed card's 12 px text would be under 8 px on screen). */
export const MID_MAX_ZOOM = 0.7;
/** Below this zoom the middle tier's type is larger still. */
export const MID_FAR_MAX_ZOOM = 0.45;

export type ZoomTier = "far" | "mid-far" | "mid" | "near";

/**
 * How a card draws at `zoom`: a plain box far out, its id in large type at middle zooms (≥ 10 px on screen
 * across each tier, see the CSS of `.task-node.mid`), the full card near.
 * @example zoomTier(0.4) // "mid-far"
 */
export function zoomTier(zoom: number): ZoomTier {
  if (zoom < DETAIL_MIN_ZOOM) return "far";
  if (zoom < MID_FAR_MAX_ZOOM) return "mid-far";
  if (zoom < MID_MAX_ZOOM) return "mid";
  return "near";
}

/** Vertical distance between a card's input ports. */
export const PORT_SPACING = 16;

/** A card's minimum height: room for its input ports (a plain far-out card is exactly this tall). */
export function cardMinHeight(portCount: number): number {
  return Math.max(64, (portCount + 1) * PORT_SPACING);
}

/**
 * A card's usual size at reading zoom (the approximate size, or taller for its input ports): what a large
 * DAG's edges are routed around, without waiting for each card to be measured.
 * @example usualCardSize(6) // { width: 200, height: 112 }
 */
export function usualCardSize(portCount: number): { width: number; height: number } {
  return { width: APPROX_NODE_SIZE.width, height: Math.max(APPROX_NODE_SIZE.height, cardMinHeight(portCount)) };
}

/**
 * The size a card will measure when it first renders at `zoom`, when that is known without the DOM: far out a
 * card is a plain box (the CSS width, `cardMinHeight` tall). Given to React Flow as the node's `measured`
 * size, so a large DAG opened at its overview zoom is initialised at once instead of measuring 1,000 cards and
 * re-rendering them all with their sizes. Undefined at reading zoom, where the height depends on the text.
 * @example farCardSize(3, 0.05) // { width: 200, height: 64 }
 */
export function farCardSize(portCount: number, zoom: number): { width: number; height: number } | undefined {
  return zoom < DETAIL_MIN_ZOOM ? { width: APPROX_NODE_SIZE.width, height: cardMinHeight(portCount) } : undefined;
}

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
