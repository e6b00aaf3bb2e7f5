import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next-path.ts";

describe("safeNextPath", () => {
  it("keeps a path on this origin with its query", () => {
    expect(safeNextPath("/runs/abc?tab=logs")).toBe("/runs/abc?tab=logs");
  });
  it("falls back to / when there is no next", () => {
    expect(safeNextPath(null)).toBe("/");
    expect(safeNextPath("")).toBe("/");
  });
  it("refuses other origins and protocol-relative links", () => {
    expect(safeNextPath("https://evil.example/")).toBe("/");
    expect(safeNextPath("//evil.example/x")).toBe("/");
    expect(safeNextPath("/\\evil.example")).toBe("/");
  });
  it("does not loop back to the login page", () => {
    expect(safeNextPath("/login?next=/runs")).toBe("/");
  });
});
