import { describe, expect, it } from "vitest";
import { formatAmount, resourceUsage } from "./resource-usage.ts";

describe("resourceUsage", () => {
  it("lists slots first, then resources by name, with the claimed share", () => {
    const rows = resourceUsage({ memory: 4000, slots: 4, cpu: 2 }, { slots: 1, cpu: 2 }, { slots: 3, cpu: 0, memory: 4000 });
    expect(rows.map((row) => [row.resource, row.claimed, row.free, row.fraction])).toEqual([
      ["slots", 1, 3, 0.25],
      ["cpu", 2, 0, 1],
      ["memory", 0, 4000, 0],
    ]);
  });
  it("shows a claim on a resource the machine no longer lists, and computes free when not sent", () => {
    const rows = resourceUsage({ cpu: 2 }, { cpu: 1, gpu: 1 }, {});
    expect(rows).toEqual([
      { resource: "cpu", capacity: 2, claimed: 1, free: 1, fraction: 0.5 },
      { resource: "gpu", capacity: 0, claimed: 1, free: 0, fraction: 0 },
    ]);
  });
});

describe("formatAmount", () => {
  it("keeps whole numbers and rounds fractions to two places", () => {
    expect(formatAmount(12)).toBe("12");
    expect(formatAmount(0.333333)).toBe("0.33");
  });
});
