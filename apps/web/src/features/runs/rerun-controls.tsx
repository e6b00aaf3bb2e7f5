"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTRPC } from "../../lib/trpc/trpc.ts";

/**
 * A run started from another one says so, with a link back: a re-run from failure, or a recompute of a lost value.
 * One a schedule or a webhook started says which, with a link to the DAG's triggers.
 */
export function RunOrigin({ parentRunId, reason, triggerId, dagName }: { parentRunId: string | null; reason: string | null; triggerId: string | null; dagName: string | null }) {
  if (triggerId !== null && (reason === "schedule" || reason === "webhook")) {
    return (
      <span className="muted" data-testid="run-origin">
        started by {reason === "schedule" ? "a schedule" : "a webhook"}{" "}
        <Link className="mono" href={`/triggers?dag=${encodeURIComponent(dagName ?? "")}`} data-testid="run-origin-trigger">
          {triggerId.slice(0, 8)}
        </Link>
      </span>
    );
  }
  if (parentRunId === null) return null;
  return (
    <span className="muted" data-testid="run-origin">
      {reason === "rerun" ? "re-run of" : reason === "recompute" ? "recomputes for" : "from"}{" "}
      <Link className="mono" href={`/runs/${encodeURIComponent(parentRunId)}`} data-testid="run-origin-link">
        {parentRunId.slice(0, 8)}
      </Link>
    </span>
  );
}

/**
 * The header's re-run buttons for an ended run: "Re-run" starts the same DAG again whole; "Re-run from failed"
 * reuses the succeeded results where they are and runs the rest (offered when some task did not succeed).
 */
export function RerunControls({ runId, hasUnsucceeded }: { runId: string; hasUnsucceeded: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const rerun = useMutation(trpc.runs.rerun.mutationOptions({ onSuccess: ({ runId: next }) => router.push(`/runs/${encodeURIComponent(next)}`) }));
  return (
    <>
      {hasUnsucceeded && (
        <button
          type="button"
          className="btn btn-small btn-primary"
          disabled={rerun.isPending}
          onClick={() => rerun.mutate({ runId, from: "failed" })}
          data-testid="rerun-from-failed"
          title="A new run that reuses this run's succeeded results where they are and runs what did not succeed, and what depends on it"
        >
          {rerun.isPending && rerun.variables?.from !== undefined ? "Starting…" : "Re-run from failed"}
        </button>
      )}
      <button type="button" className="btn btn-small" disabled={rerun.isPending} onClick={() => rerun.mutate({ runId })} data-testid="rerun" title="Start the same DAG file again with the same options">
        {rerun.isPending && rerun.variables?.from === undefined ? "Starting…" : "Re-run"}
      </button>
      {rerun.error !== null && (
        <span className="notice" data-testid="rerun-error">
          Re-run refused: {rerun.error.message}
        </span>
      )}
    </>
  );
}

/** "Re-run from here" in a task's panel: this task and everything downstream run again, the rest is reused. */
export function RerunFromHere({ runId, taskId }: { runId: string; taskId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const rerun = useMutation(trpc.runs.rerun.mutationOptions({ onSuccess: ({ runId: next }) => router.push(`/runs/${encodeURIComponent(next)}`) }));
  return (
    <div className="section stack" data-testid="task-rerun">
      <button type="button" className="btn btn-small" disabled={rerun.isPending} onClick={() => rerun.mutate({ runId, from: [taskId] })} data-testid="rerun-from-here" title="A new run of this task and everything downstream of it; the other results are reused where they are">
        {rerun.isPending ? "Starting…" : "Re-run from here"}
      </button>
      {rerun.error !== null && <p className="notice">{rerun.error.message}</p>}
    </div>
  );
}
