import { describe, expect, it } from "vitest";
import { describeLoginResponse } from "./login-errors.ts";

describe("describeLoginResponse", () => {
  it("is null when the server accepted the token", () => {
    expect(describeLoginResponse(204, null)).toBeNull();
  });
  it("shows the server's message for a bad token", () => {
    expect(describeLoginResponse(401, { error: { kind: "unauthorized", message: "unknown token" } })).toBe("unknown token");
  });
  it("explains a token of the wrong kind when the server says nothing", () => {
    expect(describeLoginResponse(403, "")).toMatch(/only admin and user tokens/);
  });
  it("names the status of an unexpected failure", () => {
    expect(describeLoginResponse(500, undefined)).toBe("Sign-in failed (HTTP 500).");
  });
});
