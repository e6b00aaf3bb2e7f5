import { elapsedMs } from "./format.ts";

/** The times a run's duration is measured between, as the server stored them. */
export interface RunTimes {
  readonly startedAt: string | null;
  readonly createdAt?: string | null;
  readonly finishedAt: string | null;
}

/**
 * How long a run took, or has taken until `now`: from its start (its creation if it has none) to its end.
 * The one measure the run header, the timeline and the runs list show, so they never disagree.
 * @example runDurationMs({ startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:11.600Z" }, Date.now()) // 11600
 */
export function runDurationMs(run: RunTimes, now: number): number | null {
  return elapsedMs(run.startedAt ?? run.createdAt ?? null, run.finishedAt, now);
}
