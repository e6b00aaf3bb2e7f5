"use client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { diffDags, isSameDag, type FieldChange } from "./dag-diff.ts";

/** Two versions of a saved DAG side by side: pick them, see what was added, removed, changed or moved. */
export function VersionDiff({ name, versions }: { name: string; versions: readonly number[] }) {
  const trpc = useTRPC();
  const newest = versions[0] ?? 1;
  const [from, setFrom] = useState(versions[1] ?? newest);
  const [to, setTo] = useState(newest);
  const before = useQuery(trpc.dags.get.queryOptions({ name, version: from }));
  const after = useQuery(trpc.dags.get.queryOptions({ name, version: to }));
  const diff = before.data !== undefined && after.data !== undefined ? diffDags(before.data.file, after.data.file) : null;
  const pick = (value: number, onChange: (version: number) => void, label: string) => (
    <select value={value} onChange={(event) => onChange(Number(event.target.value))} aria-label={label} data-testid={`diff-${label}`}>
      {versions.map((version) => (
        <option key={version} value={version}>
          v{version}
        </option>
      ))}
    </select>
  );
  return (
    <div className="section stack" data-testid="version-diff">
      <div className="row">
        <strong>Compare</strong>
        {pick(from, setFrom, "from")}
        <span className="muted">→</span>
        {pick(to, setTo, "to")}
      </div>
      {(before.error ?? after.error) !== null && <p className="notice">{(before.error ?? after.error)!.message}</p>}
      {diff === null ? (
        <p className="muted">Loading…</p>
      ) : isSameDag(diff) ? (
        <p className="muted" data-testid="diff-same">
          v{from} and v{to} are the same.
        </p>
      ) : (
        <ul className="diff-list" data-testid="diff-result">
          {diff.added.map((taskId) => (
            <li key={`+${taskId}`} className="diff-added">
              + task <span className="mono">{taskId}</span> added
            </li>
          ))}
          {diff.removed.map((taskId) => (
            <li key={`-${taskId}`} className="diff-removed">
              − task <span className="mono">{taskId}</span> removed
            </li>
          ))}
          {diff.changed.map((change) => (
            <li key={`~${change.taskId}`}>
              ~ task <span className="mono">{change.taskId}</span>
              <Fields fields={change.fields} />
            </li>
          ))}
          {diff.dag.length > 0 && (
            <li>
              ~ the DAG
              <Fields fields={diff.dag} />
            </li>
          )}
          {diff.moved.length > 0 && <li className="muted">moved on the canvas: {diff.moved.join(", ")}</li>}
        </ul>
      )}
    </div>
  );
}

function Fields({ fields }: { fields: readonly FieldChange[] }) {
  return (
    <ul>
      {fields.map((field) => (
        <li key={field.field} className="mono" style={{ fontSize: 12 }}>
          {field.field}: <span className="diff-removed">{field.before ?? "(none)"}</span> → <span className="diff-added">{field.after ?? "(none)"}</span>
        </li>
      ))}
    </ul>
  );
}
