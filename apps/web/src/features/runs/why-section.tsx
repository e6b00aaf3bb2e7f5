"use client";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { PlacementWhy, type PlacementWhyView } from "../placement/placement-why.tsx";

const WAITING = new Set(["waiting_for_dependencies", "waiting_for_resources", "retrying"]);

/**
 * The task panel's "why here / why waiting": the placement recorded for the running attempt (live, from the run's
 * updates), what a waiting task waits for, and on request every machine's verdict (`runs.explainTask`). Asked again
 * whenever the live run moves the task, and every 2 s while it waits (capacity frees without the task changing).
 */
export function WhySection({ runId, task }: { runId: string; task: { readonly taskId: string; readonly state: string; readonly attempts: number; readonly reason: string | null; readonly placement?: PlacementWhyView } }) {
  const trpc = useTRPC();
  const isWaiting = WAITING.has(task.state);
  const explained = useQuery(trpc.runs.explainTask.queryOptions({ runId, taskId: task.taskId }, { refetchInterval: isWaiting ? 2_000 : false, retry: false }));
  const { refetch } = explained;
  const key = `${task.state}\u0000${task.attempts}\u0000${task.reason}\u0000${task.placement?.summary}`;
  const seen = useRef(key);
  useEffect(() => {
    if (seen.current === key) return;
    seen.current = key;
    void refetch();
  }, [key, refetch]);

  const data = explained.data;
  // The live update is newer than the last answer while the task moves; the answer fills in otherwise.
  const placement = task.placement ?? data?.placement;
  const title = task.state === "running" || task.state === "succeeded" || task.state === "failed" ? "Why here" : isWaiting ? "Why waiting" : "Placement";
  return (
    <div className="section stack" data-testid="task-why">
      <h3 style={{ margin: 0 }}>{title}</h3>
      {task.state === "waiting_for_dependencies" && data?.dependencies != null && (
        <div data-testid="why-dependencies">
          dependencies {data.dependencies.done} of {data.dependencies.total} done
          {data.dependencies.waitingFor.length > 0 && <span className="muted"> — waiting for {data.dependencies.waitingFor.join(", ")}</span>}
        </div>
      )}
      {placement !== undefined && (task.state !== "waiting_for_dependencies" || placement.machine !== null) && <PlacementWhy explanation={placement} testId="why" />}
      {placement === undefined && task.state !== "waiting_for_dependencies" && (
        <div className="muted" data-testid="why-none">
          {explained.isLoading ? "loading…" : (task.reason ?? "no placement recorded")}
        </div>
      )}
      {data?.candidates !== undefined && data.candidates.length > 0 && (
        <details data-testid="why-candidates">
          <summary>every machine now ({data.candidates.length})</summary>
          <table className="table">
            <tbody>
              {data.candidates.map((candidate) => (
                <tr key={candidate.machine} data-testid={`why-candidate-${candidate.machine}`}>
                  <td className="mono">{candidate.machine}</td>
                  <td>{candidate.status}</td>
                  <td>
                    {candidate.verdict.replaceAll("_", " ")}
                    {candidate.lacks !== undefined && <span className="muted"> ({Object.entries(candidate.lacks).map(([resource, amount]) => `${resource} ${amount}`).join(", ")})</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}
