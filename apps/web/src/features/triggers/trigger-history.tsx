"use client";
import Link from "next/link";
import { formatTime } from "../../lib/format.ts";

export interface HistoryRow {
  readonly key: string;
  readonly at: string;
  readonly outcome: string;
  readonly detail: string | null;
  readonly runId: string | null;
}

/** A schedule's firings or a webhook's requests: when, what it became, and a link to the run it started. */
export function TriggerHistory({ rows, testId }: { rows: readonly HistoryRow[]; testId: string }) {
  if (rows.length === 0) return <p className="empty">Nothing yet.</p>;
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          <th>When</th>
          <th>Outcome</th>
          <th>Run</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} data-testid={`${testId}-row`}>
            <td>{formatTime(row.at)}</td>
            <td>
              {row.outcome}
              {row.detail !== null && <span className="muted"> — {row.detail}</span>}
            </td>
            <td>
              {row.runId === null ? (
                "—"
              ) : (
                <Link className="mono" href={`/runs/${encodeURIComponent(row.runId)}`} data-testid={`${testId}-run`}>
                  {row.runId.slice(0, 8)}
                </Link>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
