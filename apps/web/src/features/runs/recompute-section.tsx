"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { formatTime } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";

/**
 * A succeeded task whose value is gone (lost with its machine, or evicted): says so, and recomputes it from
 * lineage as a new run linked to this one; once that run succeeds this run's value is served from it.
 */
export function RecomputeSection({ runId, taskId, lost }: { runId: string; taskId: string; lost: { readonly at: string; readonly machine: string } | null }) {
  const trpc = useTRPC();
  const recompute = useMutation(trpc.results.recompute.mutationOptions());
  return (
    <div className="section stack" data-testid="task-recompute">
      <p className="notice" data-testid="result-gone">
        {lost === null ? "The value is no longer kept (evicted)." : `The value was lost with machine "${lost.machine}" at ${formatTime(lost.at)}.`} It can be recomputed from
        its lineage: a new run of this task and the tasks upstream of it.
      </p>
      {recompute.data === undefined ? (
        <button type="button" className="btn btn-small" disabled={recompute.isPending} onClick={() => recompute.mutate({ runId, taskId })} data-testid="recompute">
          {recompute.isPending ? "Starting…" : "Recompute"}
        </button>
      ) : (
        <p data-testid="recompute-run">
          Recomputing in{" "}
          <Link className="mono" href={`/runs/${encodeURIComponent(recompute.data.runId)}`}>
            run {recompute.data.runId.slice(0, 8)}
          </Link>
          ; this run serves the value once it succeeds.
        </p>
      )}
      {recompute.error !== null && <p className="notice">{recompute.error.message}</p>}
    </div>
  );
}
