"use client";
import { Panel, useReactFlow, useStoreApi } from "@xyflow/react";
import { useEffect, useMemo, useRef, type PointerEvent } from "react";
import { DEFAULT_FILL, repaintOnChange, type OverviewCard } from "./overview-canvas.tsx";
import { boundsOf } from "./painted-view.ts";

/** React Flow's minimap size. */
const WIDTH = 200;
const HEIGHT = 150;
const OUTSIDE_VIEW = "rgba(240, 242, 245, 0.7)";
const VIEW_STROKE = "#2f6fdf";

/** Flow coordinates to minimap pixels: `pixel = offset + (flow - origin) × scale`. */
interface Mapping {
  readonly originX: number;
  readonly originY: number;
  readonly scale: number;
  readonly offsetX: number;
  readonly offsetY: number;
}

interface PaintedMiniMapProps {
  readonly cards: readonly OverviewCard[];
  readonly fillOf?: (id: string) => string | undefined;
  readonly subscribe?: (listener: () => void) => () => void;
}

/**
 * The minimap of a DAG large enough to be painted (`OVERVIEW_CANVAS_MIN_TASKS`): every card as a box in
 * `fillOf`'s colour and the view as a frame, on one <canvas>, repainted once per frame when the viewport
 * moves or `subscribe` reports a change. React Flow's <MiniMap> mounts a component, an SVG rect and a store
 * subscription per node: when a jump from the painted overview handed React Flow 1,000 nodes, mounting them
 * was most of the click's seconds of main-thread work, and every pan frame ran 1,000 selectors. A press or a
 * drag on it centres the view there. Render as a child of <ReactFlow>.
 */
export function PaintedMiniMap({ cards, fillOf, subscribe }: PaintedMiniMapProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const mapping = useRef<Mapping | null>(null);
  const store = useStoreApi();
  const flow = useReactFlow();
  const bounds = useMemo(() => boundsOf(cards), [cards]);
  useEffect(() => {
    const paint = () => {
      const context = canvas.current?.getContext("2d");
      if (context === null || context === undefined || bounds === null) return;
      const { width, height, transform } = store.getState();
      const [tx, ty, zoom] = transform;
      const view = { left: -tx / zoom, top: -ty / zoom, right: (width - tx) / zoom, bottom: (height - ty) / zoom };
      const left = Math.min(bounds.left, view.left);
      const top = Math.min(bounds.top, view.top);
      const scale = Math.min(WIDTH / (Math.max(bounds.right, view.right) - left), HEIGHT / (Math.max(bounds.bottom, view.bottom) - top));
      const next: Mapping = { originX: left, originY: top, scale, offsetX: (WIDTH - (Math.max(bounds.right, view.right) - left) * scale) / 2, offsetY: (HEIGHT - (Math.max(bounds.bottom, view.bottom) - top) * scale) / 2 };
      mapping.current = next;
      const ratio = window.devicePixelRatio || 1;
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, WIDTH, HEIGHT);
      context.setTransform(scale * ratio, 0, 0, scale * ratio, (next.offsetX - left * scale) * ratio, (next.offsetY - top * scale) * ratio);
      // One path per colour: a few fills per frame, whatever the number of cards.
      const byFill = new Map<string, Path2D>();
      for (const card of cards) {
        const fill = fillOf?.(card.id) ?? DEFAULT_FILL;
        (byFill.get(fill) ?? byFill.set(fill, new Path2D()).get(fill)!).rect(card.x, card.y, card.width, card.height);
      }
      for (const [fill, path] of byFill) {
        context.fillStyle = fill;
        context.fill(path);
      }
      // Outside the view is veiled (as React Flow's minimap masks it), the view framed.
      const outside = new Path2D();
      outside.rect(left - 1 / scale, top - 1 / scale, (WIDTH + 2) / scale, (HEIGHT + 2) / scale);
      outside.rect(view.left, view.top, view.right - view.left, view.bottom - view.top);
      context.fillStyle = OUTSIDE_VIEW;
      context.fill(outside, "evenodd");
      context.lineWidth = 1.5 / scale;
      context.strokeStyle = VIEW_STROKE;
      context.strokeRect(view.left, view.top, view.right - view.left, view.bottom - view.top);
    };
    return repaintOnChange(store, paint, [subscribe]);
  }, [cards, bounds, fillOf, subscribe, store]);

  /** Centres the view on the flow point under the pointer, at the zoom it has. */
  const centreAt = (event: PointerEvent<HTMLCanvasElement>) => {
    const at = mapping.current;
    if (at === null) return;
    const box = event.currentTarget.getBoundingClientRect();
    const x = at.originX + (event.clientX - box.left - at.offsetX) / at.scale;
    const y = at.originY + (event.clientY - box.top - at.offsetY) / at.scale;
    void flow.setCenter(x, y, { zoom: flow.getZoom() });
  };
  const ratio = typeof window === "undefined" ? 1 : window.devicePixelRatio || 1;
  return (
    <Panel position="bottom-right" className="painted-minimap">
      <canvas
        ref={canvas}
        width={Math.round(WIDTH * ratio)}
        height={Math.round(HEIGHT * ratio)}
        style={{ width: WIDTH, height: HEIGHT }}
        data-testid="painted-minimap"
        aria-label={`minimap of ${cards.length} tasks: press or drag to move the view`}
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          centreAt(event);
        }}
        onPointerMove={(event) => {
          if (event.buttons === 1) centreAt(event);
        }}
      />
    </Panel>
  );
}
