"use client";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { WatchEvent } from "../../lib/trpc/api-types.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { EMPTY_LIVE_RUN, applyWatchEvents, unwrapWatchMessage, type LiveRun } from "./apply-watch-events.ts";

/**
 * The run as `runs.watch` streams it (snapshot, then one batch of changes per scheduler tick), applied at most
 * once per animation frame however fast batches arrive.
 */
export function useLiveRun(runId: string): LiveRun & { status: string; error: string | null } {
  const trpc = useTRPC();
  const [live, setLive] = useState<LiveRun>(EMPTY_LIVE_RUN);
  const queue = useRef<WatchEvent[]>([]);
  const frame = useRef<number | null>(null);

  const flush = useCallback(() => {
    frame.current = null;
    const events = queue.current;
    queue.current = [];
    setLive((current) => applyWatchEvents(current, events));
  }, []);

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  const subscription = useSubscription(
    trpc.runs.watch.subscriptionOptions(
      { runId },
      {
        onData: (message) => {
          for (const event of unwrapWatchMessage(message)) queue.current.push(event);
          frame.current ??= requestAnimationFrame(flush);
        },
      },
    ),
  );
  return { ...live, status: subscription.status, error: subscription.error?.message ?? null };
}
