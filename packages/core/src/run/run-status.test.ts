import { describe, expect, it } from "vitest";
import { RUN_STATUSES, RunStatus, TERMINAL_RUN_STATUSES, isRunStatus, isTerminalRunStatus } from "./run-status.ts";

describe("run statuses", () => {
  it("lists queued and interrupted beside the scheduler's outcomes", () => {
    expect(RUN_STATUSES).toEqual(["queued", "running", "succeeded", "failed", "cancelled", "rejected", "interrupted"]);
  });

  it("counts every status but queued and running as ended, interrupted included", () => {
    expect(RUN_STATUSES.filter((status) => !isTerminalRunStatus(status))).toEqual([RunStatus.Queued, RunStatus.Running]);
    expect(TERMINAL_RUN_STATUSES.has(RunStatus.Interrupted)).toBe(true);
  });

  it("recognises only its own words", () => {
    expect(isRunStatus("interrupted")).toBe(true);
    expect(isRunStatus("done")).toBe(false);
    expect(isTerminalRunStatus("done")).toBe(false);
  });
});
