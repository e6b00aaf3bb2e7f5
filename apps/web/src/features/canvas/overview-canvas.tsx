"use client";
import { useStore, useStoreApi } from "@xyflow/react";
import { useEffect, useRef } from "react";
import { DETAIL_MIN_ZOOM } from "./overview.ts";

/**
 * From this many tasks, a DAG zoomed out to its overview is painted on one <canvas> instead of as DOM cards:
 * measured on 10,000 tasks, mounting 10,000 card components took 18.6 s on the shared 2-core machine and
 * panning them ran at 3 fps, while painting 10,000 rectangles takes a few milliseconds per frame.
 */
export const OVERVIEW_CANVAS_MIN_TASKS = 2_000;

/** A card as the overview paints it, in flow coordinates. */
export interface OverviewCard {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const DEFAULT_FILL = "#c7cedb";

/** True while a DAG of `taskCount` tasks is shown as the painted overview (render inside a ReactFlowProvider). */
export function useIsOverviewPainted(taskCount: number): boolean {
  return useStore((state: { transform: [number, number, number] }) => taskCount >= OVERVIEW_CANVAS_MIN_TASKS && state.transform[2] < DETAIL_MIN_ZOOM);
}

/**
 * The overview of a large DAG, painted: one filled rectangle per card in `fillOf`'s colour (a run's task
 * state), only the cards in view, repainted once per animation frame when the viewport moves or `subscribe`
 * reports a change. Pointer events go through to React Flow's pane (panning, zooming). Render as a child of
 * <ReactFlow>. `data-cards` says how many cards the last paint knew (for tests and the bench).
 */
export function OverviewCanvas({ cards, fillOf, subscribe }: { cards: readonly OverviewCard[]; fillOf?: (id: string) => string | undefined; subscribe?: (listener: () => void) => () => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const store = useStoreApi();
  useEffect(() => {
    let frame: number | null = null;
    const paint = () => {
      frame = null;
      const element = canvas.current;
      const context = element?.getContext("2d");
      if (element === null || element === undefined || context === null || context === undefined) return;
      const { width, height, transform } = store.getState();
      const ratio = window.devicePixelRatio || 1;
      if (element.width !== Math.round(width * ratio) || element.height !== Math.round(height * ratio)) {
        element.width = Math.round(width * ratio);
        element.height = Math.round(height * ratio);
      }
      const [tx, ty, zoom] = transform;
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, element.width, element.height);
      context.setTransform(zoom * ratio, 0, 0, zoom * ratio, tx * ratio, ty * ratio);
      const left = -tx / zoom;
      const top = -ty / zoom;
      const right = left + width / zoom;
      const bottom = top + height / zoom;
      // One path per colour: a few fills per frame, whatever the number of cards.
      const byFill = new Map<string, Path2D>();
      for (const card of cards) {
        if (card.x > right || card.y > bottom || card.x + card.width < left || card.y + card.height < top) continue;
        const fill = fillOf?.(card.id) ?? DEFAULT_FILL;
        const path = byFill.get(fill) ?? byFill.set(fill, new Path2D()).get(fill)!;
        path.rect(card.x, card.y, card.width, card.height);
      }
      for (const [fill, path] of byFill) {
        context.fillStyle = fill;
        context.fill(path);
      }
      element.dataset.cards = String(cards.length);
    };
    const schedule = () => {
      frame ??= requestAnimationFrame(paint);
    };
    schedule();
    const unsubscribeFlow = store.subscribe((state, previous) => {
      if (state.transform !== previous.transform || state.width !== previous.width || state.height !== previous.height) schedule();
    });
    const unsubscribeFacts = subscribe?.(schedule);
    return () => {
      if (frame !== null) cancelAnimationFrame(frame);
      unsubscribeFlow();
      unsubscribeFacts?.();
    };
  }, [cards, fillOf, subscribe, store]);
  return <canvas ref={canvas} className="overview-canvas" data-testid="overview-canvas" aria-label={`overview of ${cards.length} tasks`} />;
}
