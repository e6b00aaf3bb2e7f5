/**
 * A painted picture of the flow that follows React Flow's viewport between paints: while the user pans or
 * zooms, the picture painted last is moved and scaled with a CSS transform (the compositor's work, no script,
 * paint or raster per frame), and painted afresh once the viewport has rested for `SETTLE_MS`, or at once when
 * the view leaves what was painted. The picture covers the pane and a margin around it (`PAINT_MARGIN`), so a
 * pan or a zoom-out of that much shows painted cards, not an empty band, until the repaint.
 */

/** React Flow's viewport transform: [x, y, zoom]. */
export type Transform = readonly [number, number, number];

/** How much of the pane's width (and height) is painted beyond each of its sides. */
export const PAINT_MARGIN = 0.25;
/** How long the viewport must rest before the moved picture is painted afresh. */
export const SETTLE_MS = 120;

/** Where the picture was painted: the viewport's transform then, the pane's size, and the margin in screen pixels. */
export interface PaintedFrame {
  readonly transform: Transform;
  readonly width: number;
  readonly height: number;
  readonly marginX: number;
  readonly marginY: number;
}

/** The frame a paint at `transform` over a `width × height` pane covers (the pane and `PAINT_MARGIN` around it). */
export function paintedFrame(transform: Transform, width: number, height: number): PaintedFrame {
  return { transform, width, height, marginX: Math.round(width * PAINT_MARGIN), marginY: Math.round(height * PAINT_MARGIN) };
}

/**
 * The flow rectangle a frame paints: the pane at its transform, plus its margins.
 * @example flowBoundsOf(paintedFrame([0, 0, 1], 100, 100)) // { left: -25, top: -25, right: 125, bottom: 125 }
 */
export function flowBoundsOf(frame: PaintedFrame): FlowBounds {
  const [tx, ty, zoom] = frame.transform;
  return {
    left: (-frame.marginX - tx) / zoom,
    top: (-frame.marginY - ty) / zoom,
    right: (frame.width + frame.marginX - tx) / zoom,
    bottom: (frame.height + frame.marginY - ty) / zoom,
  };
}

/**
 * The CSS transform (origin at the picture's top-left corner) that puts the picture painted in `frame` where
 * the flow is at `now`: a flow point painted at picture pixel e (the pane's pixel e − margin then) lands on the
 * pane's pixel `flow × zoom + translate` of now. The identity when nothing moved.
 * @example pictureTransform(paintedFrame([0, 0, 1], 100, 100), [10, 0, 1]) // "translate(10px, 0px) scale(1)"
 */
export function pictureTransform(frame: PaintedFrame, now: Transform): string {
  const [tx0, ty0, zoom0] = frame.transform;
  const [tx1, ty1, zoom1] = now;
  const scale = zoom1 / zoom0;
  const dx = frame.marginX - scale * frame.marginX + tx1 - scale * tx0;
  const dy = frame.marginY - scale * frame.marginY + ty1 - scale * ty0;
  return `translate(${dx}px, ${dy}px) scale(${scale})`;
}

/** A rectangle in flow coordinates. */
export interface FlowBounds {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/**
 * Whether the picture painted in `frame` still shows everything in view at `now`: every part of the pane
 * where there is something to paint (`content`, the cards' bounds; everywhere when not given) lies in what
 * was painted. Else a repaint is due at once. A resize always needs one.
 */
export function stillCovers(frame: PaintedFrame, now: Transform, width: number, height: number, content?: FlowBounds | null): boolean {
  if (width !== frame.width || height !== frame.height) return false;
  const painted = flowBoundsOf(frame);
  const [tx, ty, zoom] = now;
  const view = { left: -tx / zoom, top: -ty / zoom, right: (width - tx) / zoom, bottom: (height - ty) / zoom };
  const needed = content === undefined || content === null ? view : { left: Math.max(view.left, content.left), top: Math.max(view.top, content.top), right: Math.min(view.right, content.right), bottom: Math.min(view.bottom, content.bottom) };
  if (needed.left >= needed.right || needed.top >= needed.bottom) return true;
  return needed.left >= painted.left && needed.top >= painted.top && needed.right <= painted.right && needed.bottom <= painted.bottom;
}

/** The bounds of `boxes` in flow coordinates; null when there are none. */
export function boundsOf(boxes: readonly { readonly x: number; readonly y: number; readonly width: number; readonly height: number }[]): FlowBounds | null {
  if (boxes.length === 0) return null;
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const box of boxes) {
    left = Math.min(left, box.x);
    top = Math.min(top, box.y);
    right = Math.max(right, box.x + box.width);
    bottom = Math.max(bottom, box.y + box.height);
  }
  return { left, top, right, bottom };
}

type Subscribe = (listener: () => void) => () => void;

/** The part of React Flow's store a painted picture follows. */
export interface ViewportSource {
  getState(): { readonly transform: Transform; readonly width: number; readonly height: number };
  subscribe(listener: (state: { readonly transform: Transform; readonly width: number; readonly height: number }, previous: { readonly transform: Transform; readonly width: number; readonly height: number }) => void): () => void;
}

/**
 * Keeps a painted picture in step with the viewport: `paint` now (it paints the viewport as it is and returns
 * the frame it covered, or null when it could not paint); while the viewport moves within what was painted,
 * `place` moves the picture (see `pictureTransform`) and the repaint waits until the viewport has rested for
 * `SETTLE_MS`; a move out of it, a resize, or a change one of `sources` reports while the viewport rests
 * repaints at the next animation frame (a change reported during a move is painted when it rests). Paints at
 * most once per animation frame. Returns what unsubscribes it all (a useEffect's cleanup).
 */
export function paintFollowingViewport(store: ViewportSource, paint: () => PaintedFrame | null, place: (frame: PaintedFrame, now: Transform) => void, sources: readonly (Subscribe | undefined)[], content?: FlowBounds | null): () => void {
  let frame: number | null = null;
  let settle: ReturnType<typeof setTimeout> | null = null;
  let painted: PaintedFrame | null = null;
  const schedule = () => {
    frame ??= requestAnimationFrame(() => {
      frame = null;
      if (settle !== null) clearTimeout(settle);
      settle = null;
      painted = paint();
    });
  };
  schedule();
  const onViewport = () => {
    const { transform, width, height } = store.getState();
    if (painted === null || !stillCovers(painted, transform, width, height, content)) return schedule();
    place(painted, transform);
    if (settle !== null) clearTimeout(settle);
    settle = setTimeout(() => {
      settle = null;
      schedule();
    }, SETTLE_MS);
  };
  const unsubscribers = [
    store.subscribe((state, previous) => {
      if (state.transform !== previous.transform || state.width !== previous.width || state.height !== previous.height) onViewport();
    }),
    ...sources.map((source) => source?.(() => (settle === null ? schedule() : undefined))),
  ];
  return () => {
    if (frame !== null) cancelAnimationFrame(frame);
    if (settle !== null) clearTimeout(settle);
    for (const unsubscribe of unsubscribers) unsubscribe?.();
  };
}
