import { describe, expect, it } from "vitest";
import { keepLastFew } from "./last-few.ts";

describe("keepLastFew", () => {
  it("keeps at most `kept` entries, forgetting the oldest first, and returns the value", () => {
    const map = new Map<string, number>();
    for (const [index, key] of ["a", "b", "c", "d"].entries()) expect(keepLastFew(map, key, index, 3)).toBe(index);
    expect([...map]).toEqual([["b", 1], ["c", 2], ["d", 3]]);
  });

  it("replaces a key it holds without forgetting another", () => {
    const map = new Map([["a", 0], ["b", 1]]);
    keepLastFew(map, "a", 5, 2);
    expect([...map]).toEqual([["a", 5], ["b", 1]]);
  });
});
