import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SETTLE_MS, flowBoundsOf, paintFollowingViewport, paintedFrame, pictureTransform, stillCovers, type PaintedFrame, type Transform, type ViewportSource } from "./painted-view.ts";

/** Where the CSS transform `translate(dx, dy) scale(s)` (origin top-left) puts picture pixel `e`, in pane pixels (the picture sits at −margin). */
function placed(css: string, frame: PaintedFrame, e: { x: number; y: number }): { x: number; y: number } {
  const [, dx, dy, s] = /translate\((.+)px, (.+)px\) scale\((.+)\)/.exec(css)!.map(Number);
  return { x: dx! + s! * e.x - frame.marginX, y: dy! + s! * e.y - frame.marginY };
}

describe("pictureTransform", () => {
  it("puts every painted flow point where the viewport shows it now", () => {
    const transform = fc.tuple(fc.double({ min: -5_000, max: 5_000, noNaN: true }), fc.double({ min: -5_000, max: 5_000, noNaN: true }), fc.double({ min: 0.02, max: 1.5, noNaN: true }));
    fc.assert(
      fc.property(transform, transform, fc.double({ min: -20_000, max: 20_000, noNaN: true }), fc.double({ min: -20_000, max: 20_000, noNaN: true }), (then, now, x, y) => {
        const frame = paintedFrame(then, 1200, 700);
        // Painted at picture pixel e = flow × zoom + translate + margin (the paint's canvas transform).
        const e = { x: x * then[2] + then[0] + frame.marginX, y: y * then[2] + then[1] + frame.marginY };
        const at = placed(pictureTransform(frame, now), frame, e);
        expect(at.x).toBeCloseTo(x * now[2] + now[0], 4);
        expect(at.y).toBeCloseTo(y * now[2] + now[1], 4);
      }),
    );
  });
  it("is the identity when nothing moved", () => {
    const frame = paintedFrame([12, -7, 0.05], 1000, 600);
    expect(pictureTransform(frame, [12, -7, 0.05])).toBe("translate(0px, 0px) scale(1)");
  });
});

describe("stillCovers", () => {
  const frame = paintedFrame([0, 0, 1], 1000, 600);
  it("covers a pan within the margin, not one beyond it", () => {
    expect(flowBoundsOf(frame)).toEqual({ left: -250, top: -150, right: 1250, bottom: 750 });
    expect(stillCovers(frame, [200, -100, 1], 1000, 600)).toBe(true);
    expect(stillCovers(frame, [300, 0, 1], 1000, 600)).toBe(false);
  });
  it("covers any zoom-in, and a zoom-out only as far as the margin reaches", () => {
    expect(stillCovers(frame, [-500, -300, 2], 1000, 600)).toBe(true);
    expect(stillCovers(frame, [100, 60, 0.8], 1000, 600)).toBe(true);
    expect(stillCovers(frame, [250, 150, 0.5], 1000, 600)).toBe(false);
  });
  it("needs no repaint when what the view uncovers holds no cards", () => {
    const cards = { left: 100, top: 100, right: 900, bottom: 500 };
    expect(stillCovers(frame, [250, 150, 0.5], 1000, 600, cards)).toBe(true);
    expect(stillCovers(frame, [2000, 0, 1], 1000, 600, cards)).toBe(true);
    expect(stillCovers(frame, [250, 150, 0.5], 1000, 600, { ...cards, right: 2500 })).toBe(false);
  });
  it("never covers a resized pane", () => {
    expect(stillCovers(frame, [0, 0, 1], 1001, 600)).toBe(false);
  });
});

describe("paintFollowingViewport", () => {
  type State = { transform: Transform; width: number; height: number };
  let state: State;
  let listeners: ((state: State, previous: State) => void)[];
  const store: ViewportSource = { getState: () => state, subscribe: (listener) => (listeners.push(listener), () => undefined) };
  const move = (transform: Transform) => {
    const previous = state;
    state = { ...state, transform };
    for (const listener of listeners) listener(state, previous);
  };

  beforeEach(() => {
    // Node has no animation frames: a 16 ms timer stands in, faked with the rest.
    globalThis.requestAnimationFrame ??= (callback: FrameRequestCallback) => setTimeout(() => callback(performance.now()), 16) as unknown as number;
    globalThis.cancelAnimationFrame ??= (handle: number) => clearTimeout(handle);
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "requestAnimationFrame", "cancelAnimationFrame", "performance"] });
    state = { transform: [0, 0, 1], width: 1000, height: 600 };
    listeners = [];
  });
  afterEach(() => vi.useRealTimers());

  it("moves the picture while the view moves and paints once when it rests", () => {
    const paints: Transform[] = [];
    const placements: string[] = [];
    const paint = () => (paints.push(state.transform), paintedFrame(state.transform, state.width, state.height));
    let changed = () => {};
    paintFollowingViewport(store, paint, (frame, now) => placements.push(pictureTransform(frame, now)), [(listener) => ((changed = listener), () => undefined)]);
    vi.advanceTimersByTime(20);
    expect(paints).toEqual([[0, 0, 1]]);
    // A 20-step drag, one step per frame, with a live change in the middle: no paint until the view rests.
    for (let step = 1; step <= 20; step++) {
      move([step * 8, step * 4, 1]);
      if (step === 10) changed();
      vi.advanceTimersByTime(16);
    }
    expect(paints).toHaveLength(1);
    expect(placements).toHaveLength(20);
    expect(placements.at(-1)).toBe("translate(160px, 80px) scale(1)");
    vi.advanceTimersByTime(SETTLE_MS + 20);
    expect(paints).toEqual([[0, 0, 1], [160, 80, 1]]);
    // At rest, a live change is painted at the next frame.
    changed();
    vi.advanceTimersByTime(20);
    expect(paints).toHaveLength(3);
  });

  it("paints at once when the view leaves what was painted", () => {
    const paints: Transform[] = [];
    paintFollowingViewport(store, () => (paints.push(state.transform), paintedFrame(state.transform, state.width, state.height)), () => undefined, []);
    vi.advanceTimersByTime(20);
    move([600, 0, 1]);
    vi.advanceTimersByTime(20);
    expect(paints).toEqual([[0, 0, 1], [600, 0, 1]]);
  });
});
