"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { formatDuration, formatTime } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { RunStatusBadge } from "./run-status-badge.tsx";
import { TaskCounts } from "./task-counts.tsx";

const PAGE_SIZE = 25;
const STATUSES = ["", "queued", "running", "succeeded", "failed", "cancelled", "rejected", "interrupted"] as const;
type StatusFilter = (typeof STATUSES)[number];

export function RunsList() {
  const trpc = useTRPC();
  const router = useRouter();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [status, setStatus] = useState<StatusFilter>("");
  const cursor = cursors[cursors.length - 1];
  const runs = useQuery(
    trpc.runs.list.queryOptions(
      { limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }), ...(status === "" ? {} : { status }) },
      { refetchInterval: 3_000, placeholderData: (previous) => previous },
    ),
  );
  const page = cursors.length;
  return (
    <div className="page stack">
      <div className="row">
        <h1 style={{ margin: 0 }}>Runs</h1>
        <span className="spacer" />
        <label className="row muted">
          status
          <select
            value={status}
            onChange={(event) => {
              setStatus(STATUSES.find((value) => value === event.target.value) ?? "");
              setCursors([undefined]);
            }}
          >
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {value === "" ? "any" : value}
              </option>
            ))}
          </select>
        </label>
      </div>
      {runs.error !== null && <p className="notice">{runs.error.message}</p>}
      <table className="table panel" data-testid="runs-table">
        <thead>
          <tr>
            <th>Status</th>
            <th>DAG</th>
            <th>Version</th>
            <th>Tasks</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Started by</th>
            <th>Run</th>
          </tr>
        </thead>
        <tbody>
          {(runs.data?.items ?? []).map((run) => (
            <tr key={run.runId} className="clickable" onClick={() => router.push(`/runs/${encodeURIComponent(run.runId)}`)}>
              <td>
                <RunStatusBadge status={run.status} />
              </td>
              <td>{run.dagName ?? <span className="muted">(unsaved)</span>}</td>
              <td>{run.dagVersion === null ? "—" : `v${run.dagVersion}`}</td>
              <td>
                {"taskCounts" in run ? <TaskCounts counts={run.taskCounts as Partial<Record<string, number>>} /> : "—"}
              </td>
              <td>{formatTime(run.startedAt ?? run.createdAt)}</td>
              <td>{formatDuration(run.durationMs)}</td>
              <td>{run.startedBy ?? "—"}</td>
              <td>
                <Link href={`/runs/${encodeURIComponent(run.runId)}`} className="mono" onClick={(event) => event.stopPropagation()}>
                  {run.runId.slice(0, 12)}
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data !== undefined && runs.data.items.length === 0 && <p className="empty">No runs yet. Start one from the editor.</p>}
      <div className="pager">
        <span className="muted">page {page}</span>
        <button type="button" className="btn btn-small" disabled={page === 1} onClick={() => setCursors((list) => list.slice(0, -1))}>
          ← Newer
        </button>
        <button type="button" className="btn btn-small" disabled={runs.data?.nextCursor == null} onClick={() => runs.data?.nextCursor != null && setCursors((list) => [...list, runs.data!.nextCursor!])}>
          Older →
        </button>
      </div>
    </div>
  );
}
