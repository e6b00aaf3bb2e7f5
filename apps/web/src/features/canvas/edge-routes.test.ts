import { describe, expect, it } from "vitest";
import { bezierPoints, detourPoints, edgeCorridor, indexCards, roundedPath, type CardBox } from "./edge-routes.ts";

const card = (id: string, x: number, y: number): CardBox => ({ id, x, y, width: 200, height: 84 });
const hits = (points: { x: number; y: number }[], box: CardBox) => points.some((p) => p.x > box.x && p.x < box.x + box.width && p.y > box.y && p.y < box.y + box.height);

describe("edgeCorridor", () => {
  it("leaves an edge between neighbouring columns as a curve", () => {
    const cards = indexCards([card("a", 0, 0), card("b", 280, 0)]);
    expect(edgeCorridor({ x: 200, y: 42 }, { x: 280, y: 36 }, "a", "b", cards)).toBeNull();
  });
  it("routes an edge that skips a column around the card standing in its way", () => {
    const blocker = card("b", 280, 0);
    const cards = indexCards([card("a", 0, 0), blocker, card("c", 560, 0)]);
    const from = { x: 200, y: 42 };
    const to = { x: 560, y: 36 };
    expect(hits(bezierPoints(from, to), blocker)).toBe(true);
    const y = edgeCorridor(from, to, "a", "c", cards);
    expect(y).not.toBeNull();
    const corners = detourPoints(from, to, y!);
    // Dense samples of every segment stay off the blocker.
    const samples = corners.slice(1).flatMap((end, i) => Array.from({ length: 50 }, (_, k) => ({ x: corners[i]!.x + ((end.x - corners[i]!.x) * k) / 50, y: corners[i]!.y + ((end.y - corners[i]!.y) * k) / 50 })));
    expect(hits(samples, blocker)).toBe(false);
  });
  it("finds a corridor through a full column of cards", () => {
    const column = Array.from({ length: 10 }, (_, i) => card(`m${i}`, 280, i * 120));
    const cards = indexCards([card("a", 0, 480), ...column, card("c", 560, 480)]);
    const y = edgeCorridor({ x: 200, y: 522 }, { x: 560, y: 516 }, "a", "c", cards);
    expect(y).not.toBeNull();
    for (const box of column) expect(y! < box.y || y! > box.y + box.height).toBe(true);
  });
});

describe("roundedPath", () => {
  it("draws through every corner and ends at the last point", () => {
    const path = roundedPath([{ x: 0, y: 0 }, { x: 20, y: 0 }, { x: 20, y: 40 }]);
    expect(path.startsWith("M 0 0")).toBe(true);
    expect(path.endsWith("L 20 40")).toBe(true);
  });
});
