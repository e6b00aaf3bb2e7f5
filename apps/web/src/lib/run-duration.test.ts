import { describe, expect, it } from "vitest";
import { runDurationMs } from "./run-duration.ts";

describe("a run's duration", () => {
  it("runs from its start to its end, or to now while it runs", () => {
    expect(runDurationMs({ startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:11.600Z" }, 0)).toBe(11_600);
    expect(runDurationMs({ startedAt: "2026-01-01T00:00:00Z", finishedAt: null }, Date.parse("2026-01-01T00:00:02Z"))).toBe(2_000);
  });

  it("starts at its creation when it never started, and is unknown without either", () => {
    expect(runDurationMs({ startedAt: null, createdAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:01Z" }, 0)).toBe(1_000);
    expect(runDurationMs({ startedAt: null, finishedAt: null }, 0)).toBeNull();
  });
});
