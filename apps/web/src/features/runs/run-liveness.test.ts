import { RUN_STATUSES, RunStatus } from "@handoff/core";
import { describe, expect, it } from "vitest";
import { isRunLive } from "./run-liveness.ts";

describe("isRunLive", () => {
  it("shows an interrupted run as ended, not live with a Cancel button", () => {
    expect(isRunLive(RunStatus.Interrupted)).toBe(false);
  });

  it("treats only queued and running runs as live, for every status there is", () => {
    const live = RUN_STATUSES.filter((status) => isRunLive(status));
    expect(live).toEqual([RunStatus.Queued, RunStatus.Running]);
  });
});
