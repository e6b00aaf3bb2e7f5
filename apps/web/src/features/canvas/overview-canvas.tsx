"use client";
import { useStore, useStoreApi } from "@xyflow/react";
import { useContext, useEffect, useRef } from "react";
import { HighlightStoreContext, type HighlightStore } from "./highlight-store.ts";
import type { LineageRole } from "./lineage.ts";
import { DETAIL_MIN_ZOOM, isEdgeMeshHidden } from "./overview.ts";
import { boundsOf, flowBoundsOf, paintFollowingViewport, paintedFrame, pictureTransform, type FlowBounds, type PaintedFrame, type Transform } from "./painted-view.ts";

/**
 * From this many tasks, a DAG zoomed out to its overview is painted on one <canvas> instead of as DOM cards:
 * measured on 10,000 tasks, mounting 10,000 card components took 18.6 s on the shared 2-core machine and
 * panning them ran at 3 fps, while painting 10,000 rectangles takes a few milliseconds per frame. At 1,000
 * tasks (bench/src/browser.bench.ts, Chromium traces) mounting the far-out cards still cost 1.5–2.5 s of
 * main-thread time after an import and panning them during a live run p95 50 ms frames with long tasks up to
 * 400 ms; far out a card is a plain box in its state's colour either way, which the canvas paints the same.
 */
export const OVERVIEW_CANVAS_MIN_TASKS = 1_000;

/** A card as the overview paints it, in flow coordinates. */
export interface OverviewCard {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A card's fill when `fillOf` gives none (the far-out card's grey). */
export const DEFAULT_FILL = "#c7cedb";
const EDGE_STROKE = "#9aa4b2";
/** A lineage role's outline, as the cards draw it (globals.css `.task-node.lineage-*`); "dim" fades the card instead. */
const ROLE_OUTLINE: Record<Exclude<LineageRole, "dim">, string> = { focus: "#2f6fdf", upstream: "#7c5cd6", downstream: "#1f9d8a" };
const DIMMED_ALPHA = 0.28;

/** An edge as the overview paints it: a straight line from its producer's right side to its consumer's left side. */
export interface OverviewEdge {
  readonly source: string;
  readonly target: string;
}

type Subscribe = (listener: () => void) => () => void;

/**
 * Calls `paint` at most once per animation frame: now, and after the viewport moves or resizes or one of
 * `sources` reports a change. Returns what unsubscribes it all (a useEffect's cleanup).
 */
export function repaintOnChange(store: ReturnType<typeof useStoreApi>, paint: () => void, sources: readonly (Subscribe | undefined)[]): () => void {
  let frame: number | null = null;
  const schedule = () => {
    frame ??= requestAnimationFrame(() => {
      frame = null;
      paint();
    });
  };
  schedule();
  const unsubscribers = [
    store.subscribe((state, previous) => {
      if (state.transform !== previous.transform || state.width !== previous.width || state.height !== previous.height) schedule();
    }),
    ...sources.map((source) => source?.(schedule)),
  ];
  return () => {
    if (frame !== null) cancelAnimationFrame(frame);
    for (const unsubscribe of unsubscribers) unsubscribe?.();
  };
}

/** The painted card under flow position `at` (a click in the overview finds that task). */
export function overviewCardAt(cards: readonly OverviewCard[], at: { readonly x: number; readonly y: number }): OverviewCard | undefined {
  return cards.find((card) => at.x >= card.x && at.x <= card.x + card.width && at.y >= card.y && at.y <= card.y + card.height);
}

/** True while a DAG of `taskCount` tasks is shown as the painted overview (render inside a ReactFlowProvider). */
export function useIsOverviewPainted(taskCount: number): boolean {
  return useStore((state: { transform: [number, number, number] }) => taskCount >= OVERVIEW_CANVAS_MIN_TASKS && state.transform[2] < DETAIL_MIN_ZOOM);
}

interface OverviewCanvasProps {
  readonly cards: readonly OverviewCard[];
  /** Drawn while the DOM canvas would show them (see `isEdgeMeshHidden`). */
  readonly edges?: readonly OverviewEdge[];
  readonly fillOf?: (id: string) => string | undefined;
  readonly subscribe?: Subscribe;
}

/**
 * The overview of a large DAG, painted: one filled rectangle per card in `fillOf`'s colour (a run's task
 * state), only the cards in view, with the highlight of the canvas's HighlightStoreContext (the selection's
 * lineage or the failures: outlined, the rest faded, as the cards draw it) and the edges at the zooms where
 * the cards would show them. While the viewport moves, the picture is moved with it by a CSS transform and
 * painted afresh once it rests (canvas/painted-view.ts: a pan costs the compositor, not a paint per frame);
 * a change of the highlight or one `subscribe` reports is painted at the next frame (when the view rests).
 * Pointer events go through to React Flow's pane (panning, zooming). Render as a child of <ReactFlow>.
 * `data-cards` says how many cards the last paint knew (for tests and the bench).
 */
export function OverviewCanvas({ cards, edges, fillOf, subscribe }: OverviewCanvasProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const store = useStoreApi();
  const highlight = useContext(HighlightStoreContext);
  useEffect(() => {
    const byId = new Map(cards.map((card) => [card.id, card]));
    const paint = (): PaintedFrame | null => {
      const element = canvas.current;
      const context = element?.getContext("2d");
      if (element === null || element === undefined || context === null || context === undefined) return null;
      const { width, height, transform } = store.getState();
      const frame = paintedFrame(transform, width, height);
      sizePicture(element, frame);
      const ratio = window.devicePixelRatio || 1;
      const [tx, ty, zoom] = transform;
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, element.width, element.height);
      context.setTransform(zoom * ratio, 0, 0, zoom * ratio, (tx + frame.marginX) * ratio, (ty + frame.marginY) * ratio);
      const view = flowBoundsOf(frame);
      if (edges !== undefined && !isEdgeMeshHidden(zoom, edges.length)) paintEdges(context, edges, byId, view, zoom);
      const outlines = paintCards(context, cards, view, zoom, fillOf, highlight);
      element.dataset.cards = String(cards.length);
      element.dataset.highlighted = String(outlines > 0);
      return frame;
    };
    const place = (frame: PaintedFrame, now: Transform) => {
      if (canvas.current !== null) canvas.current.style.transform = pictureTransform(frame, now);
    };
    const onHighlight = highlight === null ? undefined : (listener: () => void) => highlight.subscribeAll(listener);
    return paintFollowingViewport(store, paint, place, [subscribe, onHighlight], boundsOf(cards));
  }, [cards, edges, fillOf, subscribe, store, highlight]);
  return <canvas ref={canvas} className="overview-canvas" data-testid="overview-canvas" aria-label={`overview of ${cards.length} tasks`} />;
}

/** Sizes the canvas to the frame (the pane and its margins, placed over the pane) and takes back any move. */
function sizePicture(element: HTMLCanvasElement, frame: PaintedFrame) {
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = frame.width + 2 * frame.marginX;
  const cssHeight = frame.height + 2 * frame.marginY;
  if (element.width !== Math.round(cssWidth * ratio) || element.height !== Math.round(cssHeight * ratio)) {
    element.width = Math.round(cssWidth * ratio);
    element.height = Math.round(cssHeight * ratio);
    Object.assign(element.style, { width: `${cssWidth}px`, height: `${cssHeight}px`, left: `${-frame.marginX}px`, top: `${-frame.marginY}px` });
  }
  element.style.transform = "";
}

/**
 * The cards within `view`, one path per colour (and per faded colour, and per outline): a few fills per
 * paint, whatever the number of cards. Returns how many outlines (lineage roles) it drew.
 */
function paintCards(context: CanvasRenderingContext2D, cards: readonly OverviewCard[], view: FlowBounds, zoom: number, fillOf: ((id: string) => string | undefined) | undefined, highlight: HighlightStore | null): number {
  const byFill = new Map<string, Path2D>();
  const outlines = new Map<string, Path2D>();
  const outlineGap = 4 / zoom;
  for (const card of cards) {
    if (card.x > view.right || card.y > view.bottom || card.x + card.width < view.left || card.y + card.height < view.top) continue;
    const role = highlight?.get(card.id);
    const fill = `${fillOf?.(card.id) ?? DEFAULT_FILL}${role === "dim" ? "|dim" : ""}`;
    const path = byFill.get(fill) ?? byFill.set(fill, new Path2D()).get(fill)!;
    path.rect(card.x, card.y, card.width, card.height);
    if (role !== undefined && role !== "dim") {
      const outline = outlines.get(role) ?? outlines.set(role, new Path2D()).get(role)!;
      outline.rect(card.x - outlineGap, card.y - outlineGap, card.width + 2 * outlineGap, card.height + 2 * outlineGap);
    }
  }
  for (const [key, path] of byFill) {
    const [fill, dim] = key.split("|");
    context.globalAlpha = dim === undefined ? 1 : DIMMED_ALPHA;
    context.fillStyle = fill!;
    context.fill(path);
  }
  context.globalAlpha = 1;
  context.lineWidth = 2.5 / zoom;
  for (const [role, path] of outlines) {
    context.strokeStyle = ROLE_OUTLINE[role as keyof typeof ROLE_OUTLINE];
    context.stroke(path);
  }
  return outlines.size;
}

/** The edges with an end in view, as one path of straight lines, one screen pixel wide. */
function paintEdges(context: CanvasRenderingContext2D, edges: readonly OverviewEdge[], byId: ReadonlyMap<string, OverviewCard>, view: FlowBounds, zoom: number) {
  const path = new Path2D();
  const isIn = (x: number, y: number) => x >= view.left && x <= view.right && y >= view.top && y <= view.bottom;
  for (const edge of edges) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (source === undefined || target === undefined) continue;
    const from = { x: source.x + source.width, y: source.y + source.height / 2 };
    const to = { x: target.x, y: target.y + target.height / 2 };
    if (!isIn(from.x, from.y) && !isIn(to.x, to.y)) continue;
    path.moveTo(from.x, from.y);
    path.lineTo(to.x, to.y);
  }
  context.globalAlpha = 1;
  context.lineWidth = 1 / zoom;
  context.strokeStyle = EDGE_STROKE;
  context.stroke(path);
}
