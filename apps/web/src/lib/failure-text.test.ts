import { describe, expect, it } from "vitest";
import { failureText } from "./failure-text.ts";

describe("a failure shown as text", () => {
  it("says its kind once when the message repeats it (the doubled 'cancelled: cancelled: task …')", () => {
    expect(failureText("cancelled", 'cancelled: cancelled: task "b" stopped')).toBe('cancelled: task "b" stopped');
    expect(failureText("cancelled", 'cancelled: task "b" stopped')).toBe('cancelled: task "b" stopped');
  });

  it("prefixes a message that does not name its kind, and keeps a kind named later in the text", () => {
    expect(failureText("timeout", "timed out after 10 ms")).toBe("timeout: timed out after 10 ms");
    expect(failureText("function_failed", "stopped: function_failed: boom")).toBe("function_failed: stopped: function_failed: boom");
    expect(failureText("cancelled", "")).toBe("cancelled");
  });
});
