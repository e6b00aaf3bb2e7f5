"use client";
import { memo, useState, type DragEvent } from "react";
import type { CatalogueEntry } from "../../lib/trpc/api-types.ts";
import { groupCatalogue } from "./group-catalogue.ts";

export const FUNCTION_DRAG_TYPE = "application/x-handoff-function";

function describeParams(params: Record<string, unknown> | undefined): string | null {
  if (params === undefined) return null;
  const items = params.prefixItems;
  if (Array.isArray(items)) return `${items.length} param${items.length === 1 ? "" : "s"}`;
  return "params";
}

/** The function catalogue to add tasks from (memo: the editor re-renders on every selection and measurement). */
export const Palette = memo(function Palette({ entries, isLoading, onAdd }: { entries: readonly CatalogueEntry[]; isLoading: boolean; onAdd: (entry: CatalogueEntry) => void }) {
  const [query, setQuery] = useState("");
  const groups = groupCatalogue(entries, query);
  const onDragStart = (event: DragEvent<HTMLDivElement>, name: string) => {
    event.dataTransfer.setData(FUNCTION_DRAG_TYPE, name);
    event.dataTransfer.effectAllowed = "copy";
  };
  return (
    <div data-testid="palette">
      <div className="section">
        <input type="search" placeholder="Search functions…" value={query} onChange={(event) => setQuery(event.target.value)} style={{ width: "100%" }} aria-label="Search functions" />
      </div>
      {isLoading && <p className="empty">Loading functions…</p>}
      {!isLoading && groups.length === 0 && <p className="empty">{entries.length === 0 ? "No online machine offers any function yet." : "No function matches."}</p>}
      {groups.map((group) => (
        <div key={group.namespace} className="palette-group">
          <h3>{group.namespace || "(no namespace)"}</h3>
          {group.entries.map((entry) => {
            const params = describeParams(entry.fn.params);
            return (
              <div
                key={entry.fn.name}
                className="palette-item"
                draggable
                onDragStart={(event) => onDragStart(event, entry.fn.name)}
                onDoubleClick={() => onAdd(entry)}
                title={`Drag onto the canvas (or double-click). Offered by ${entry.machines.join(", ")}`}
                data-testid={`palette-${entry.fn.name}`}
              >
                <div className="name">{entry.fn.name}</div>
                {entry.fn.description !== undefined && <div className="desc">{entry.fn.description}</div>}
                <div className="meta">
                  {entry.fn.kind === "transform" && <span className="chip">transform</span>}
                  {params !== null && <span className="chip" title={JSON.stringify(entry.fn.params, null, 1)}>{params}</span>}
                  {Object.entries(entry.fn.defaultCost ?? {}).map(([key, amount]) => (
                    <span key={key} className="chip">
                      {key} {amount}
                    </span>
                  ))}
                  <span className="chip" title="machines offering it">
                    ×{entry.machines.length}
                  </span>
                </div>
              </div>
            );
          })}
        </div>
      ))}
    </div>
  );
});
