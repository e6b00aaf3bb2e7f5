import { describe, expect, it } from "vitest";
import { defaultMemoryBudgetBytes } from "./memory-budget.ts";

const GiB = 2 ** 30;

describe("the default memory budget", () => {
  it("is a quarter of the machine's memory", () => {
    expect(defaultMemoryBudgetBytes(16 * GiB)).toBe(4 * GiB);
  });

  it("stays within 256 MiB and 64 GiB, also for nonsense readings", () => {
    expect(defaultMemoryBudgetBytes(512 * 2 ** 20)).toBe(256 * 2 ** 20);
    expect(defaultMemoryBudgetBytes(Number.NaN)).toBe(256 * 2 ** 20);
    expect(defaultMemoryBudgetBytes(-1)).toBe(256 * 2 ** 20);
    expect(defaultMemoryBudgetBytes(1024 * GiB)).toBe(64 * GiB);
    expect(defaultMemoryBudgetBytes(Number.POSITIVE_INFINITY)).toBe(256 * 2 ** 20);
  });
});
