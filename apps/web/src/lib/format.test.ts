import { describe, expect, it } from "vitest";
import { elapsedMs, formatBytes, formatDuration } from "./format.ts";

describe("formatDuration", () => {
  it("uses the unit that reads best", () => {
    expect(formatDuration(12)).toBe("12 ms");
    expect(formatDuration(1234)).toBe("1.2 s");
    expect(formatDuration(42_000)).toBe("42 s");
    expect(formatDuration(65_000)).toBe("1 m 05 s");
    expect(formatDuration(3_900_000)).toBe("1 h 05 m");
  });
  it("shows a dash for unknown durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(-1)).toBe("—");
  });
});

describe("formatBytes", () => {
  it("uses binary multiples", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5.0 MB");
  });
});

describe("elapsedMs", () => {
  it("measures to now while the task is still running", () => {
    expect(elapsedMs("2026-01-01T00:00:00.000Z", null, Date.parse("2026-01-01T00:00:02.500Z"))).toBe(2500);
  });
  it("measures to the end once finished", () => {
    expect(elapsedMs("2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z", 0)).toBe(1000);
  });
  it("is null without a start", () => {
    expect(elapsedMs(null, null, 0)).toBeNull();
  });
});
