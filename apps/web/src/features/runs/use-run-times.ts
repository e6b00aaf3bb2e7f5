"use client";
import { useQuery } from "@tanstack/react-query";
import { isTerminalRunStatus } from "@handoff/core";
import type { RunTimes } from "../../lib/run-duration.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";

/**
 * The run's start and end as the server stored them. A run watched to its end learns its outcome from the
 * stream but not its end time (the header then froze at its last tick, a second short of the timeline): once
 * it has ended, the stored times come from `runs.timeline` — the query the timeline itself reads.
 */
export function useRunTimes(runId: string, run: (RunTimes & { readonly status: string }) | null, isActive: boolean): RunTimes | null {
  const trpc = useTRPC();
  const needsStored = run !== null && !isActive && isTerminalRunStatus(run.status) && run.finishedAt === null;
  // Asked again (every 0.5 s, 30 times at most) while the stored run has no end yet: the outcome can reach the
  // browser before the run's end time is readable.
  const stored = useQuery(
    trpc.runs.timeline.queryOptions({ runId }, { enabled: needsStored, refetchInterval: (query) => (query.state.data?.finishedAt == null && query.state.dataUpdateCount < 30 ? 500 : false) }),
  );
  if (run === null) return null;
  if (!needsStored) return run;
  return stored.data === undefined || stored.data.finishedAt === null ? run : { startedAt: stored.data.startedAt, finishedAt: stored.data.finishedAt };
}
