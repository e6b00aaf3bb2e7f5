import { APPROX_NODE_SIZE } from "./overview.ts";

type Point = { readonly x: number; readonly y: number };
type Box = { readonly x: number; readonly y: number; readonly width: number; readonly height: number };

/** Space kept between a new card and its neighbours. */
const MARGIN = 16;
/** How far the search for a free spot looks before giving up (rings of one card step each). */
const MAX_RINGS = 40;

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width + MARGIN && b.x < a.x + a.width + MARGIN && a.y < b.y + b.height + MARGIN && b.y < a.y + a.height + MARGIN;
}

/**
 * The position nearest `desired` where a group of cards (`group`, relative boxes at offset 0,0) overlaps no
 * card in `taken`: tried at `desired`, then on rings of growing distance (one card height down/up, one card
 * width right/left), nearest first. Used for every card the editor adds (palette, drop, paste), so a new card
 * never lands on top of an existing one. After `MAX_RINGS` rings it answers below everything.
 * @example freePosition({ x: 0, y: 0 }, [{ x: 0, y: 0, width: 200, height: 84 }]) // { x: 0, y: 100 }
 */
export function freePosition(desired: Point, taken: readonly Box[], group: readonly Box[] = [{ x: 0, y: 0, ...APPROX_NODE_SIZE }]): Point {
  const fits = (at: Point): boolean => group.every((box) => {
    const moved = { ...box, x: box.x + at.x, y: box.y + at.y };
    return taken.every((other) => !overlaps(moved, other));
  });
  const start = { x: Math.round(desired.x), y: Math.round(desired.y) };
  if (fits(start)) return start;
  const stepX = APPROX_NODE_SIZE.width + MARGIN;
  const stepY = APPROX_NODE_SIZE.height + MARGIN;
  for (let ring = 1; ring <= MAX_RINGS; ring++) {
    const candidates: Point[] = [];
    for (let dx = -ring; dx <= ring; dx++) {
      for (let dy = -ring; dy <= ring; dy++) {
        if (Math.max(Math.abs(dx), Math.abs(dy)) !== ring) continue;
        candidates.push({ x: start.x + dx * stepX, y: start.y + dy * stepY });
      }
    }
    candidates.sort((a, b) => Math.hypot(a.x - start.x, (a.y - start.y) * 1.5) - Math.hypot(b.x - start.x, (b.y - start.y) * 1.5));
    const found = candidates.find(fits);
    if (found !== undefined) return found;
  }
  const bottom = Math.max(start.y, ...taken.map((box) => box.y + box.height + MARGIN));
  return { x: start.x, y: bottom };
}
