import { describe, expect, it } from "vitest";
import { defaultExpiryHours, EXPIRY_CHOICES } from "./token-expiry.ts";

describe("when a token is created from the dashboard", () => {
  it("gives join tokens 24 hours by default and the others no expiry", () => {
    expect(defaultExpiryHours("join")).toBe(24);
    expect(defaultExpiryHours("user")).toBeNull();
    expect(EXPIRY_CHOICES.some((choice) => choice.hours === defaultExpiryHours("join"))).toBe(true);
  });
});
