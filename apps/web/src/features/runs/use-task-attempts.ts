"use client";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useTRPC } from "../../lib/trpc/trpc.ts";

/**
 * A task's attempts, fetched again whenever the live run moves the task (state, attempt count, end): the task
 * panel once kept showing an attempt "running 3.1 s" after its task had succeeded, because polling stopped at
 * the task's end before the last poll could see it.
 */
export function useTaskAttempts(runId: string, task: { readonly taskId: string; readonly state: string; readonly attempts: number; readonly finishedAt: string | null }) {
  const trpc = useTRPC();
  const attempts = useQuery(trpc.runs.attempts.queryOptions({ runId, taskId: task.taskId }, { refetchInterval: task.finishedAt === null ? 2_000 : false }));
  const { refetch } = attempts;
  const seen = useRef(`${task.state}\u0000${task.attempts}\u0000${task.finishedAt}`);
  useEffect(() => {
    const key = `${task.state}\u0000${task.attempts}\u0000${task.finishedAt}`;
    if (seen.current === key) return;
    seen.current = key;
    void refetch();
  }, [task.state, task.attempts, task.finishedAt, refetch]);
  return attempts;
}
