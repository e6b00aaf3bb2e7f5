import { describe, expect, it } from "vitest";
import { createSharedLoadSampler } from "./load-sampler.ts";

describe("when many simulated machines share one host's load sampler", () => {
  it("hands out the same sample to every heartbeat within its interval", () => {
    const sampleLoad = createSharedLoadSampler(60_000);
    const first = sampleLoad();
    expect(sampleLoad()).toBe(first);
    expect(first.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(first.memoryTotalMb).toBeGreaterThan(0);
  });

  it("samples the host again once the interval has passed", () => {
    const sampleLoad = createSharedLoadSampler(0);
    expect(sampleLoad()).not.toBe(sampleLoad());
  });
});
