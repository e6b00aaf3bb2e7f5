"use client";
import { useMemo } from "react";
import type { MachineView } from "../../lib/trpc/api-types.ts";
import { labelKeys, type GroupBy } from "./machine-groups.ts";

export type ClusterFilter = { readonly query: string; readonly status: MachineView["status"] | "all"; readonly groupBy: GroupBy };

const STATUSES = ["all", "online", "draining", "offline"] as const;

const groupValue = (by: GroupBy): string => (by.kind === "label" ? `label:${by.key}` : by.kind);
const parseGroup = (value: string): GroupBy => (value.startsWith("label:") ? { kind: "label", key: value.slice("label:".length) } : value === "none" ? { kind: "none" } : { kind: "status" });

/** Find machines by name, label (`zone=a`) or function; keep one status; group by status or a label. */
export function ClusterToolbar({ machines, filter, onChange, matching }: { machines: readonly MachineView[]; filter: ClusterFilter; onChange: (filter: ClusterFilter) => void; matching: number }) {
  const keys = useMemo(() => labelKeys(machines), [machines]);
  return (
    <div className="row" role="search" style={{ gap: 8, flexWrap: "wrap" }}>
      <input
        className="input"
        type="search"
        placeholder="Filter: name, label=value, function"
        aria-label="Filter machines"
        value={filter.query}
        onChange={(event) => onChange({ ...filter, query: event.target.value })}
        data-testid="machine-filter"
        style={{ minWidth: 260 }}
      />
      <label className="row" style={{ gap: 4 }}>
        <span className="muted">status</span>
        <select className="input" value={filter.status} onChange={(event) => onChange({ ...filter, status: event.target.value as ClusterFilter["status"] })} data-testid="machine-status-filter">
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </label>
      <label className="row" style={{ gap: 4 }}>
        <span className="muted">group by</span>
        <select className="input" value={groupValue(filter.groupBy)} onChange={(event) => onChange({ ...filter, groupBy: parseGroup(event.target.value) })} data-testid="machine-group-by">
          <option value="status">status</option>
          {keys.map((key) => (
            <option key={key} value={`label:${key}`}>
              label {key}
            </option>
          ))}
          <option value="none">nothing</option>
        </select>
      </label>
      <span className="muted" data-testid="machine-matching">
        {matching} of {machines.length} shown
      </span>
    </div>
  );
}
