import { describe, expect, it } from "vitest";
import { areaPath, linePath, linearScale, recentSamples, resourceSeries, resourcesOf, seriesMax, timeAxisTicks, type LoadSample } from "./chart-scale.ts";

const x = linearScale([0, 10], [0, 100]);
const y = linearScale([0, 1], [40, 0]);

describe("linearScale", () => {
  it("maps the domain onto the range, inverted ranges included", () => {
    expect(x(5)).toBe(50);
    expect(y(0.25)).toBe(30);
  });
  it("maps a zero-width domain to the range's start", () => {
    expect(linearScale([3, 3], [10, 20])(3)).toBe(10);
  });
});

describe("linePath and areaPath", () => {
  const points = [
    { at: 0, value: 0 },
    { at: 5, value: 1 },
    { at: 6, value: null },
    { at: 8, value: 0.5 },
    { at: 10, value: 0.5 },
  ];
  it("breaks the line where a value is missing", () => {
    expect(linePath(points, x, y)).toBe("M0,40L50,0M80,20L100,20");
  });
  it("closes one area per run of values down to the baseline", () => {
    expect(areaPath(points, x, y, 40)).toBe("M0,40L50,0L50,40L0,40ZM80,20L100,20L100,40L80,40Z");
  });
  it("draws nothing without values", () => {
    expect(linePath([{ at: 0, value: null }], x, y)).toBe("");
    expect(areaPath([], x, y, 40)).toBe("");
  });
});

describe("load series", () => {
  const sample = (at: number, claimed: Record<string, number>, capacity: Record<string, number> = { cpu: 4, slots: 2 }): LoadSample => ({ at, capacity, claimed, cpuPercent: null, memoryUsedMb: null, memoryTotalMb: null, running: 0 });
  const samples = [sample(1000, {}), sample(2000, { cpu: 2, slots: 1 }), sample(3000, { cpu: 4 }, { cpu: 4, slots: 2, gpu: 1 })];

  it("gives claimed (0 when nothing is claimed) against capacity for one resource", () => {
    expect(resourceSeries(samples, "cpu")).toEqual({
      claimed: [{ at: 1000, value: 0 }, { at: 2000, value: 2 }, { at: 3000, value: 4 }],
      capacity: [{ at: 1000, value: 4 }, { at: 2000, value: 4 }, { at: 3000, value: 4 }],
    });
    expect(resourceSeries(samples, "gpu").claimed.map((p) => p.value)).toEqual([null, null, 0]);
  });
  it("lists every resource, slots last", () => {
    expect(resourcesOf(samples)).toEqual(["cpu", "gpu", "slots"]);
  });
  it("keeps the samples of the window before the newest one", () => {
    expect(recentSamples(samples, 1000).map((s) => s.at)).toEqual([2000, 3000]);
  });
  it("scales the y axis to the largest value", () => {
    expect(seriesMax([[{ at: 0, value: 3 }], [{ at: 0, value: null }]])).toBe(3);
    expect(seriesMax([], 100)).toBe(100);
  });
});

describe("a load chart's time axis", () => {
  it("runs from the oldest sample to now, in seconds or minutes ago", () => {
    expect(timeAxisTicks(0, 50_000, 3)).toEqual([{ at: 0, label: "−50 s" }, { at: 0.5, label: "−25 s" }, { at: 1, label: "now" }]);
    expect(timeAxisTicks(0, 300_000, 3).map((tick) => tick.label)).toEqual(["−5 min", "−2.5 min", "now"]);
    expect(timeAxisTicks(5, 5, 1).map((tick) => tick.label)).toEqual(["now", "now"]);
  });
});
