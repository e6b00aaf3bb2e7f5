"use client";
import type { TaskJson } from "@handoff/protocol";
import { useEffect, useMemo, useState } from "react";
import { autoLayout } from "./auto-layout.ts";
import { WORKER_LAYOUT_MIN_TASKS, layoutOffMainThread } from "./layout-off-main-thread.ts";

type Positions = ReadonlyMap<string, { x: number; y: number }>;

/** Positions for `tasks` (null while a large DAG is being laid out in the worker, or when `tasks` is null). */
export function useAutoLayout(tasks: readonly Pick<TaskJson, "id" | "args">[] | null): Positions | null {
  const isSmall = tasks !== null && tasks.length < WORKER_LAYOUT_MIN_TASKS;
  const sync = useMemo(() => (tasks !== null && isSmall ? autoLayout(tasks) : null), [tasks, isSmall]);
  const [async, setAsync] = useState<{ tasks: readonly unknown[]; positions: Positions } | null>(null);
  useEffect(() => {
    if (tasks === null || isSmall) return;
    let isCurrent = true;
    void layoutOffMainThread(tasks).then((positions) => {
      if (isCurrent) setAsync({ tasks, positions });
    });
    return () => {
      isCurrent = false;
    };
  }, [tasks, isSmall]);
  if (sync !== null) return sync;
  return async !== null && async.tasks === tasks ? async.positions : null;
}
