import { describe, expect, it } from "vitest";
import { attemptCost, groupPlacementCost, placementCost, SLOT_ONLY } from "./attempt-cost.ts";

describe("what an attempt and a collocation group claim", () => {
  it("claims the task's cost with at least one slot", () => {
    expect(attemptCost(undefined)).toBe(SLOT_ONLY);
    expect(attemptCost({ cpu: 2 })).toEqual({ cpu: 2, slots: 1 });
    expect(attemptCost({ slots: 3 })).toEqual({ slots: 3 });
  });

  it("places a group with its merged cost plus the placing member's slot", () => {
    expect(groupPlacementCost({ cpu: 3 })).toEqual({ cpu: 3, slots: 1 });
    expect(placementCost([{ cpu: 1 }, { cpu: 2, slots: 1 }, undefined])).toEqual({ cpu: 3, slots: 2 });
  });

  it("checks a lone task exactly as it will claim (a task asking 2 slots fits a 2-slot machine)", () => {
    expect(placementCost([{ slots: 2 }])).toEqual({ slots: 2 });
  });
});
