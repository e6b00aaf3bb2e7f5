type Point = { readonly x: number; readonly y: number };

/** A card on the canvas, in flow coordinates. */
export interface CardBox {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Distance kept between an edge and a card it passes. */
const CLEARANCE = 8;
/** How far right of its source (and left of its target) a detour turns vertical. */
export const DETOUR_STUB = 24;
const BUCKET = 256;
const SAMPLES = 24;

/** Cards bucketed by their left edge, so the cards an edge could pass under are found without testing all of them. */
export interface CardIndex {
  /** Calls `visit` for every card overlapping the box (each card once). */
  each(minX: number, maxX: number, minY: number, maxY: number, visit: (card: CardBox) => void): void;
}

export function indexCards(cards: readonly CardBox[]): CardIndex {
  const buckets = new Map<number, CardBox[]>();
  let widest = 0;
  for (const card of cards) {
    widest = Math.max(widest, card.width);
    const bucket = Math.floor(card.x / BUCKET);
    (buckets.get(bucket) ?? buckets.set(bucket, []).get(bucket)!).push(card);
  }
  return {
    each(minX, maxX, minY, maxY, visit) {
      // A card starting up to `widest` left of the box can still reach into it.
      for (let b = Math.floor((minX - widest) / BUCKET); b <= Math.floor(maxX / BUCKET); b++) {
        for (const card of buckets.get(b) ?? []) {
          if (card.x < maxX && card.x + card.width > minX && card.y < maxY && card.y + card.height > minY) visit(card);
        }
      }
    },
  };
}

function isInside(point: Point, card: CardBox): boolean {
  return point.x > card.x - CLEARANCE && point.x < card.x + card.width + CLEARANCE && point.y > card.y - CLEARANCE && point.y < card.y + card.height + CLEARANCE;
}

/** Points along React Flow's default bezier from a right-hand source handle to a left-hand target handle. */
export function bezierPoints(from: Point, to: Point, count = SAMPLES): Point[] {
  const distance = to.x - from.x;
  const offset = distance >= 0 ? 0.5 * distance : 0.25 * 25 * Math.sqrt(-distance);
  const c1 = { x: from.x + offset, y: from.y };
  const c2 = { x: to.x - offset, y: to.y };
  const points: Point[] = [];
  for (let i = 1; i < count; i++) {
    const t = i / count;
    const u = 1 - t;
    points.push({
      x: u * u * u * from.x + 3 * u * u * t * c1.x + 3 * u * t * t * c2.x + t * t * t * to.x,
      y: u * u * u * from.y + 3 * u * u * t * c1.y + 3 * u * t * t * c2.y + t * t * t * to.y,
    });
  }
  return points;
}

function segmentHits(a: Point, b: Point, card: CardBox): boolean {
  const minX = Math.min(a.x, b.x);
  const maxX = Math.max(a.x, b.x);
  const minY = Math.min(a.y, b.y);
  const maxY = Math.max(a.y, b.y);
  return maxX > card.x - CLEARANCE && minX < card.x + card.width + CLEARANCE && maxY > card.y - CLEARANCE && minY < card.y + card.height + CLEARANCE;
}

/** The detour's corners: out of the source, along the corridor at `y`, into the target. */
export function detourPoints(from: Point, to: Point, y: number): Point[] {
  const outX = from.x + DETOUR_STUB;
  const inX = to.x - DETOUR_STUB;
  return [from, { x: outX, y: from.y }, { x: outX, y }, { x: inX, y }, { x: inX, y: to.y }, to];
}

/**
 * Where an edge must leave the straight curve: null when React Flow's bezier from `from` (the source's output)
 * to `to` (the target's input port) passes under no card other than its own two; otherwise the y of a
 * horizontal corridor, nearest the edge's ends, along which a right-angled detour (`detourPoints`) touches
 * no card. Null too when no corridor is free (then the curve is the lesser evil).
 * @example edgeCorridor({ x: 200, y: 40 }, { x: 800, y: 40 }, "a", "c", index) // 140 when "b" sits at x 400, y 0
 */
export function edgeCorridor(from: Point, to: Point, sourceId: string, targetId: string, cards: CardIndex): number | null {
  // The curve stays inside its control points' box (convex hull): only cards overlapping it can be in its way.
  const distance = to.x - from.x;
  const offset = distance >= 0 ? 0.5 * distance : 0.25 * 25 * Math.sqrt(-distance);
  const curveMinX = Math.min(from.x, to.x - offset);
  const curveMaxX = Math.max(to.x, from.x + offset);
  const others: CardBox[] = [];
  const collect = (card: CardBox) => {
    if (card.id !== sourceId && card.id !== targetId) others.push(card);
  };
  cards.each(curveMinX, curveMaxX, Math.min(from.y, to.y) - CLEARANCE, Math.max(from.y, to.y) + CLEARANCE, collect);
  if (others.length === 0) return null;
  const curve = bezierPoints(from, to);
  if (!curve.some((point) => others.some((card) => isInside(point, card)))) return null;
  // The detour may run above or below the edge: every card between its stubs is in play.
  others.length = 0;
  cards.each(Math.min(from.x, to.x) - DETOUR_STUB, Math.max(from.x, to.x) + DETOUR_STUB, -Infinity, Infinity, collect);
  const candidates = new Set<number>([from.y, to.y]);
  for (const card of others) {
    candidates.add(card.y - CLEARANCE * 2);
    candidates.add(card.y + card.height + CLEARANCE * 2);
  }
  const middle = (from.y + to.y) / 2;
  const ordered = [...candidates].sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle));
  for (const y of ordered) {
    const corners = detourPoints(from, to, y);
    let isClear = true;
    for (let i = 1; i < corners.length && isClear; i++) isClear = !others.some((card) => segmentHits(corners[i - 1]!, corners[i]!, card));
    if (isClear) return Math.round(y);
  }
  return null;
}

/** An SVG path through `points` with rounded corners (radius ≤ 8, smaller where segments are short). */
export function roundedPath(points: readonly Point[]): string {
  if (points.length === 0) return "";
  let path = `M ${points[0]!.x} ${points[0]!.y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const previous = points[i - 1]!;
    const corner = points[i]!;
    const next = points[i + 1]!;
    const radius = Math.min(8, Math.hypot(corner.x - previous.x, corner.y - previous.y) / 2, Math.hypot(next.x - corner.x, next.y - corner.y) / 2);
    const inDir = unit(previous, corner);
    const outDir = unit(corner, next);
    path += ` L ${corner.x - inDir.x * radius} ${corner.y - inDir.y * radius} Q ${corner.x} ${corner.y} ${corner.x + outDir.x * radius} ${corner.y + outDir.y * radius}`;
  }
  const last = points[points.length - 1]!;
  return `${path} L ${last.x} ${last.y}`;
}

function unit(a: Point, b: Point): Point {
  const length = Math.hypot(b.x - a.x, b.y - a.y);
  return length === 0 ? { x: 0, y: 0 } : { x: (b.x - a.x) / length, y: (b.y - a.y) / length };
}

/** What `edgeCorridors` needs of a card and of an edge (React Flow's nodes and edges fit). */
export interface RoutedCard {
  readonly id: string;
  readonly position: Point;
  readonly size: { readonly width: number; readonly height: number };
}
export interface RoutedEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** The target's input port, top to bottom (0 for an `as_list` port). */
  readonly portIndex: number;
}

/**
 * The corridor of every edge that would pass under a card other than its own two (see `edgeCorridor`), by
 * edge id; edges absent from the map keep their curve. Handle positions follow the card layout: the output
 * mid-right, input port `i` at `(i + 1) × portSpacing + 4` from the top.
 */
export function edgeCorridors(cards: readonly RoutedCard[], edges: readonly RoutedEdge[], portSpacing: number): Map<string, number> {
  const byId = new Map(cards.map((card) => [card.id, card]));
  const index = indexCards(cards.map((card) => ({ id: card.id, x: card.position.x, y: card.position.y, width: card.size.width, height: card.size.height })));
  const corridors = new Map<string, number>();
  for (const edge of edges) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (source === undefined || target === undefined) continue;
    const from = { x: source.position.x + source.size.width, y: source.position.y + source.size.height / 2 };
    const to = { x: target.position.x, y: target.position.y + (edge.portIndex + 1) * portSpacing + 4 };
    const y = edgeCorridor(from, to, edge.source, edge.target, index);
    if (y !== null) corridors.set(edge.id, y);
  }
  return corridors;
}
