import { describe, expect, it } from "vitest";
import { paginate } from "./paginate.ts";

describe("paginate", () => {
  const items = Array.from({ length: 7 }, (_, i) => i);
  it("cuts the requested page", () => {
    expect(paginate(items, 2, 3)).toEqual({ items: [3, 4, 5], page: 2, pageCount: 3 });
  });
  it("clamps a page past either end", () => {
    expect(paginate(items, 9, 3).page).toBe(3);
    expect(paginate(items, 0, 3).items).toEqual([0, 1, 2]);
  });
  it("has one empty page when there is nothing", () => {
    expect(paginate([], 1, 3)).toEqual({ items: [], page: 1, pageCount: 1 });
  });
});
