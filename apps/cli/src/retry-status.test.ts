import { describe, expect, it } from "vitest";
import { describeRetry } from "./retry-status.ts";

describe("when a task waits to retry", () => {
  it("says which attempt comes next and when", () => {
    expect(describeRetry({ taskId: "f", attempts: 1, maxAttempts: 4, retryAt: 5_000 }, 1_000)).toBe("f: retry 2/4 in 4 s");
    expect(describeRetry({ taskId: "f", attempts: 3, maxAttempts: 4, retryAt: 91_000 }, 1_000)).toBe("f: retry 4/4 in 1 min 30 s");
    expect(describeRetry({ taskId: "f", attempts: 2, maxAttempts: 4, retryAt: 1_500 }, 1_000)).toBe("f: retry 3/4 now");
  });
});
