"use client";
import { useQuery } from "@tanstack/react-query";
import { memo, useMemo } from "react";
import { formatBytes } from "../../lib/format.ts";
import type { TaskView } from "../../lib/trpc/api-types.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { edgeTransfers, machineTransfers, resultsByMachine } from "./run-data-flow.ts";

/** The run's attempts with their transfers: the same query (and cache) as the timeline. */
export function useRunTransfers(runId: string, isActive: boolean) {
  const trpc = useTRPC();
  const timeline = useQuery(trpc.runs.timeline.queryOptions({ runId }, { refetchInterval: isActive ? 1_000 : false }));
  const attempts = timeline.data?.attempts;
  return useMemo(() => ({ edges: edgeTransfers(attempts ?? []), machines: machineTransfers(attempts ?? []) }), [attempts]);
}

/**
 * Results named per machine, the rest counted: a 1,000-task run holds hundreds per machine, and every chip is
 * DOM that each live batch of a running run reconciles and lays out again (the task panel says where any one is).
 */
export const MAX_HELD_CHIPS = 30;

/**
 * Where the run's data is: for each machine, the results it holds (the first `MAX_HELD_CHIPS` named, a reused
 * one marked with the run it came from) and the bytes moved between machines (the graph labels each edge that
 * moved a value).
 */
export const RunDataPanel = memo(function RunDataPanel({ tasks, moved }: { tasks: readonly TaskView[]; moved: ReturnType<typeof useRunTransfers>["machines"] }) {
  const held = useMemo(() => resultsByMachine(tasks.filter((task) => !task.inline)), [tasks]);
  return (
    <div className="section stack" data-testid="run-data">
      <h2>Where the data is</h2>
      {held.length === 0 && <p className="muted">No result is held yet.</p>}
      {held.map(({ machine, tasks: machineTasks, bytes }) => (
        <div key={machine} data-testid={`data-machine-${machine}`}>
          <strong className="mono">{machine}</strong> <span className="muted">holds {machineTasks.length} result{machineTasks.length === 1 ? "" : "s"} ({formatBytes(bytes)})</span>
          <div style={{ display: "flex", flexWrap: "wrap", gap: 4, marginTop: 2 }}>
            {machineTasks.slice(0, MAX_HELD_CHIPS).map((task) => (
              <span key={task.taskId} className={task.reusedFrom === null ? "chip" : "chip chip-reused"} data-testid={`data-held-${task.taskId}`} title={task.reusedFrom === null ? `${formatBytes(task.result?.size)}` : `${formatBytes(task.result?.size)}, reused from run ${task.reusedFrom}`}>
                {task.taskId}
                {task.reusedFrom === null ? "" : " · reused"}
              </span>
            ))}
            {machineTasks.length > MAX_HELD_CHIPS && (
              <span className="muted" data-testid={`data-held-more-${machine}`}>
                and {machineTasks.length - MAX_HELD_CHIPS} more
              </span>
            )}
          </div>
        </div>
      ))}
      <h3 style={{ margin: "6px 0 0" }}>Moved between machines</h3>
      {moved.length === 0 ? (
        <p className="muted" data-testid="data-moved-none">
          No value moved between machines.
        </p>
      ) : (
        <ul style={{ margin: 0, paddingLeft: 16 }}>
          {moved.map((pair) => (
            <li key={`${pair.from}→${pair.to}`} data-testid={`data-moved-${pair.from}-${pair.to}`}>
              <span className="mono">
                {pair.from} → {pair.to}
              </span>
              : {formatBytes(pair.bytes)} in {pair.values} value{pair.values === 1 ? "" : "s"}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
