import { describe, expect, it } from "vitest";
import { addResources, describeLacks, fits, isEmptyCost, lacking, mergeCosts, subtractResources } from "./resources.ts";

describe("fits", () => {
  it("accepts a cost within capacity on every key", () => {
    expect(fits({ cpu: 4, memory: 2000 }, { cpu: 4, memory: 1999 })).toBe(true);
  });

  it("rejects a cost over capacity on any key", () => {
    expect(fits({ cpu: 4, memory: 2000 }, { cpu: 1, memory: 2001 })).toBe(false);
  });

  it("treats a cost key the machine does not declare as missing capacity", () => {
    expect(fits({ cpu: 4 }, { gpu: 1 })).toBe(false);
    expect(fits({ cpu: 4 }, { gpu: 0 })).toBe(true);
  });

  it("rejects a capacity that went negative on a key the cost does not name", () => {
    expect(fits({ cpu: 4, memory: -1 }, { cpu: 1 })).toBe(false);
  });

  it("fits an empty cost on any non-negative capacity", () => {
    expect(fits({}, {})).toBe(true);
    expect(fits({ cpu: 0 }, {})).toBe(true);
  });
});

describe("resource arithmetic", () => {
  it("adds and subtracts over the union of keys without clamping", () => {
    expect(addResources({ cpu: 1 }, { memory: 2 })).toEqual({ cpu: 1, memory: 2 });
    expect(subtractResources({ cpu: 1 }, { cpu: 3, memory: 2 })).toEqual({ cpu: -2, memory: -2 });
  });

  it("merges costs key by key", () => {
    expect(mergeCosts([{ cpu: 1 }, { cpu: 2, gpu: 1 }, {}])).toEqual({ cpu: 3, gpu: 1 });
    expect(mergeCosts([])).toEqual({});
  });

  it("names only the keys that are short, with the amount missing", () => {
    expect(lacking({ cpu: 1, memory: 100 }, { cpu: 2, memory: 50, gpu: 1 })).toEqual({ cpu: 1, gpu: 1 });
    expect(lacking({ cpu: 1 }, { cpu: 1 })).toEqual({});
  });

  it("calls a cost empty only when it has no keys", () => {
    expect(isEmptyCost(undefined)).toBe(true);
    expect(isEmptyCost({})).toBe(true);
    expect(isEmptyCost({ cpu: 0 })).toBe(false);
  });

  it("describes lacks for messages", () => {
    expect(describeLacks({ cpu: 2, memory: 100 })).toBe("cpu 2, memory 100");
  });
});
