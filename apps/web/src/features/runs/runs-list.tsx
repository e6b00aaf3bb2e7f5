"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useEffectEvent, useMemo, useState } from "react";
import { formatDuration, formatTime } from "../../lib/format.ts";
import { runDurationMs } from "../../lib/run-duration.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { useDebouncedValue } from "../../lib/use-debounced-value.ts";
import { RunStatusBadge } from "./run-status-badge.tsx";
import { RUN_STATUSES, isTerminalRunStatus } from "@handoff/core";
import { isFiltered, parseRunsFilter, runsFilterToInput, runsFilterToQuery, type RunsFilter } from "./runs-filter.ts";
import { TaskCounts } from "./task-counts.tsx";

const PAGE_SIZE = 25;

export function RunsList() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filter = useMemo(() => parseRunsFilter(params), [params]);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const setFilter = (next: RunsFilter) => {
    const query = runsFilterToQuery(next);
    setCursors([undefined]);
    router.replace(query === "" ? pathname : `${pathname}?${query}`);
  };
  // Text filters are typed: keep the input responsive and put them in the URL when the typing pauses.
  const [dagText, setDagText] = useState(filter.dag);
  const [byText, setByText] = useState(filter.startedBy);
  const dag = useDebouncedValue(dagText, 300);
  const startedBy = useDebouncedValue(byText, 300);
  const applyTypedText = useEffectEvent((dag: string, startedBy: string) => {
    if (dag.trim() !== filter.dag || startedBy.trim() !== filter.startedBy) setFilter({ ...filter, dag: dag.trim(), startedBy: startedBy.trim() });
  });
  // Only a change of the typed text moves the URL.
  useEffect(() => applyTypedText(dag, startedBy), [dag, startedBy]);

  const cursor = cursors[cursors.length - 1];
  const runs = useQuery(
    trpc.runs.list.queryOptions(
      { limit: PAGE_SIZE, ...(cursor === undefined ? {} : { cursor }), ...runsFilterToInput(filter) },
      { refetchInterval: 3_000, placeholderData: (previous) => previous },
    ),
  );
  const rerun = useMutation(trpc.runs.rerun.mutationOptions({ onSuccess: ({ runId }) => router.push(`/runs/${encodeURIComponent(runId)}`) }));
  const page = cursors.length;
  return (
    <div className="page stack">
      <div className="row">
        <h1 style={{ margin: 0 }}>Runs</h1>
        <span className="spacer" />
      </div>
      <div className="row filters" data-testid="runs-filters">
        <label className="row muted">
          status
          <select value={filter.status ?? ""} onChange={(event) => setFilter({ ...filter, status: RUN_STATUSES.find((value) => value === event.target.value) ?? null })} data-testid="filter-status">
            <option value="">any</option>
            {RUN_STATUSES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label className="row muted">
          DAG
          <input value={dagText} onChange={(event) => setDagText(event.target.value)} placeholder="name" size={16} data-testid="filter-dag" />
        </label>
        <label className="row muted">
          started by
          <input value={byText} onChange={(event) => setByText(event.target.value)} placeholder="token name" size={14} data-testid="filter-started-by" />
        </label>
        <label className="row muted">
          from
          <input type="datetime-local" value={filter.from} onChange={(event) => setFilter({ ...filter, from: event.target.value })} data-testid="filter-from" />
        </label>
        <label className="row muted">
          to
          <input type="datetime-local" value={filter.to} onChange={(event) => setFilter({ ...filter, to: event.target.value })} data-testid="filter-to" />
        </label>
        {isFiltered(filter) && (
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => {
              setDagText("");
              setByText("");
              setFilter({ status: null, dag: "", startedBy: "", from: "", to: "" });
            }}
          >
            Clear
          </button>
        )}
      </div>
      {runs.error !== null && <p className="notice">{runs.error.message}</p>}
      {rerun.error !== null && <p className="notice">Re-run refused: {rerun.error.message}</p>}
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
            <th />
          </tr>
        </thead>
        <tbody>
          {(runs.data?.items ?? []).map((run) => (
            <tr key={run.runId} className="clickable" data-testid={`run-row-${run.runId}`} onClick={() => router.push(`/runs/${encodeURIComponent(run.runId)}`)}>
              <td>
                <RunStatusBadge status={run.status} />
              </td>
              <td>{run.dagName ?? <span className="muted">(unsaved)</span>}</td>
              <td>{run.dagVersion === null ? "—" : `v${run.dagVersion}`}</td>
              <td>
                <TaskCounts counts={run.taskCounts} />
              </td>
              <td>{formatTime(run.startedAt ?? run.createdAt)}</td>
              <td>{formatDuration(runDurationMs(run, Date.now()))}</td>
              <td>{run.startedBy ?? "—"}</td>
              <td>
                <Link href={`/runs/${encodeURIComponent(run.runId)}`} className="mono" onClick={(event) => event.stopPropagation()}>
                  {run.runId.slice(0, 12)}
                </Link>
              </td>
              <td>
                {isTerminalRunStatus(run.status) && (
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={rerun.isPending}
                    data-testid={`rerun-${run.runId}`}
                    onClick={(event) => {
                      event.stopPropagation();
                      rerun.mutate({ runId: run.runId });
                    }}
                  >
                    Re-run
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data !== undefined && runs.data.items.length === 0 && <p className="empty">{isFiltered(filter) ? "No run matches these filters." : "No runs yet. Start one from the editor."}</p>}
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
