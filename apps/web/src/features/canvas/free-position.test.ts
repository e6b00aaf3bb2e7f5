import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { freePosition } from "./free-position.ts";

const card = (x: number, y: number) => ({ x, y, width: 200, height: 84 });
const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("freePosition", () => {
  it("keeps the wanted spot when it is free", () => {
    expect(freePosition({ x: 500, y: 500 }, [card(0, 0)])).toEqual({ x: 500, y: 500 });
  });
  it("moves a new card off a card already there, to the nearest free spot", () => {
    const at = freePosition({ x: 0, y: 0 }, [card(0, 0)]);
    expect(overlap(card(at.x, at.y), card(0, 0))).toBe(false);
    expect(Math.hypot(at.x, at.y)).toBeLessThan(250);
  });
  it("places a pasted group so none of its cards overlaps", () => {
    const taken = [card(0, 0), card(300, 0)];
    const group = [card(0, 0), card(300, 0)];
    const at = freePosition({ x: 40, y: 40 }, taken, group);
    for (const box of group) for (const other of taken) expect(overlap({ ...box, x: box.x + at.x, y: box.y + at.y }, other)).toBe(false);
  });
  it("never answers a spot overlapping any card, wherever the cards are", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ x: fc.integer({ min: -2000, max: 2000 }), y: fc.integer({ min: -2000, max: 2000 }) }), { maxLength: 60 }), fc.integer({ min: -500, max: 500 }), fc.integer({ min: -500, max: 500 }), (spots, x, y) => {
        const taken = spots.map((spot) => card(spot.x, spot.y));
        const at = freePosition({ x, y }, taken);
        for (const other of taken) expect(overlap(card(at.x, at.y), other)).toBe(false);
      }),
    );
  });
});
