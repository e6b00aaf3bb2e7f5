"use client";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import { formatTime } from "../../lib/format.ts";
import type { RouterOutputs } from "../../lib/trpc/api-types.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";

type Kind = RouterOutputs["audit"]["list"]["kinds"][number];

/** The audit trail (admins only): who did what, when and from where, newest first. */
export function AuditView() {
  const trpc = useTRPC();
  const [kind, setKind] = useState<Kind | "all">("all");
  const events = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { limit: 50, ...(kind === "all" ? {} : { kinds: [kind] }) },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, refetchInterval: 10_000 },
    ),
  );
  const rows = events.data?.pages.flatMap((page) => page.events) ?? [];
  // The kinds come from the API (one list, on the server).
  const kinds: readonly Kind[] = events.data?.pages[0]?.kinds ?? (kind === "all" ? [] : [kind]);

  return (
    <div className="page stack">
      <div className="row">
        <h1 style={{ margin: 0 }}>Audit</h1>
        <label className="row muted">
          kind
          <select value={kind} onChange={(event) => setKind(kinds.find((value) => value === event.target.value) ?? "all")} data-testid="audit-kind">
            <option value="all">all</option>
            {kinds.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
      </div>
      {events.error !== null && <p className="notice">{events.error.message}</p>}
      <table className="table panel" data-testid="audit-table">
        <thead>
          <tr>
            <th>When</th>
            <th>What</th>
            <th>Who</th>
            <th>From</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((event) => (
            <tr key={event.id} data-testid={`audit-row-${event.kind}`}>
              <td title={event.at}>{formatTime(event.at)}</td>
              <td>
                <span className="chip">{event.kind}</span>
              </td>
              <td>{event.actorName ?? "—"}</td>
              <td>{event.ip ?? "—"}</td>
              <td>
                <code>{JSON.stringify(event.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.data !== undefined && rows.length === 0 && <p className="empty">No events.</p>}
      {events.hasNextPage && (
        <button type="button" className="btn btn-small" disabled={events.isFetchingNextPage} onClick={() => void events.fetchNextPage()}>
          {events.isFetchingNextPage ? "Loading…" : "Older events"}
        </button>
      )}
    </div>
  );
}
