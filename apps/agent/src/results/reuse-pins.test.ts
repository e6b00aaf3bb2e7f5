import { describe, expect, it } from "vitest";
import { createReusePins } from "./reuse-pins.ts";

describe("when re-runs keep values of earlier runs", () => {
  it("keeps a run's values until the last re-run that reuses them ends", () => {
    const pins = createReusePins();
    expect(pins.pin("r2", ["r1"])).toEqual(["r1"]);
    expect(pins.pin("r3", ["r1", "r0"])).toEqual(["r0"]);
    expect(pins.ended("r2")).toEqual([]);
    expect(pins.ended("r3")).toEqual(["r1", "r0"]);
    expect(pins.ended("r3")).toEqual([]);
  });

  it("ignores a run keeping its own values", () => {
    expect(createReusePins().pin("r1", ["r1"])).toEqual([]);
  });
});
