import { describe, expect, it } from "vitest";
import { MIN_ZOOM, cardMinHeight, farCardSize, fitViewportFor, isEdgeMeshHidden, zoomTier } from "./overview.ts";

describe("fitViewportFor", () => {
  it("fits the cards' bounds in the pane, centred", () => {
    const viewport = fitViewportFor([{ x: 0, y: 0 }, { x: 800, y: 0 }], 1000, 600)!;
    expect(viewport.zoom).toBeCloseTo(1000 / (1000 * 1.2), 2);
    // Centred horizontally: the bounds' middle (500) lands on the pane's middle (500).
    expect(500 * viewport.zoom + viewport.x).toBeCloseTo(500, 0);
  });
  it("never zooms out past the minimum", () => {
    expect(fitViewportFor([{ x: 0, y: 0 }, { x: 1_000_000, y: 0 }], 800, 600)!.zoom).toBe(MIN_ZOOM);
  });
  it("has nothing to fit without tasks or a pane", () => {
    expect(fitViewportFor([], 800, 600)).toBeNull();
    expect(fitViewportFor([{ x: 0, y: 0 }], 0, 0)).toBeNull();
  });
});

describe("isEdgeMeshHidden", () => {
  it("hides the edges of a large DAG only when zoomed far out", () => {
    expect(isEdgeMeshHidden(0.05, 2000)).toBe(true);
    expect(isEdgeMeshHidden(0.5, 2000)).toBe(false);
    expect(isEdgeMeshHidden(0.05, 10)).toBe(false);
  });
});

describe("farCardSize", () => {
  it("knows a plain far-out card's size from its ports", () => {
    expect(farCardSize(1, 0.05)).toEqual({ width: 200, height: 64 });
    expect(farCardSize(5, 0.05)).toEqual({ width: 200, height: cardMinHeight(5) });
    expect(cardMinHeight(5)).toBe(96);
  });
  it("leaves a card at reading zoom to be measured", () => {
    expect(farCardSize(1, 0.8)).toBeUndefined();
  });
});

describe("zoomTier", () => {
  it("draws plain boxes far out, large labels at middle zooms, full cards near", () => {
    expect(zoomTier(0.1)).toBe("far");
    expect(zoomTier(0.35)).toBe("mid-far");
    expect(zoomTier(0.5)).toBe("mid");
    expect(zoomTier(0.9)).toBe("near");
  });
});
