"use client";
import { Background } from "@xyflow/react";

/**
 * The canvas's dot grid (React Flow's <Background>), left out while a large DAG's overview is painted
 * (canvas/overview-canvas.tsx). There the grid's period is under a few screen pixels (16 flow px at zoom
 * < 0.3), a haze rather than a grid, and it cost the most of a pan: React Flow re-renders the grid's SVG pattern on
 * every viewport change and the whole pane is painted and rastered again (bench/src/browser.bench.ts, 1,000
 * tasks: a fifth to a half of Chromium's CPU time while panning). Render as a child of <ReactFlow>.
 */
export function CanvasGrid({ isOverviewPainted }: { readonly isOverviewPainted: boolean }) {
  return isOverviewPainted ? null : <Background gap={16} size={1} />;
}
