"use client";
import { useState } from "react";

/** One field per resource, any custom key; `slots` is implicit (every task claims one). */
export function CostEditor({ cost, defaultCost, onChange }: { cost: Record<string, number> | undefined; defaultCost: Record<string, number> | undefined; onChange: (cost: Record<string, number> | undefined) => void }) {
  const [newKey, setNewKey] = useState("");
  const entries = Object.entries(cost ?? {});
  const set = (key: string, amount: number | null) => {
    const next = { ...(cost ?? {}) };
    if (amount === null) delete next[key];
    else next[key] = amount;
    onChange(Object.keys(next).length === 0 ? undefined : next);
  };
  const addKey = () => {
    const key = newKey.trim();
    if (key === "" || cost?.[key] !== undefined) return;
    set(key, 1);
    setNewKey("");
  };
  return (
    <div className="stack" style={{ gap: 4 }} data-testid="cost-editor">
      {entries.map(([key, amount]) => (
        <div key={key} className="cost-row">
          <span className="mono">{key}</span>
          <input
            key={amount}
            type="number"
            defaultValue={amount}
            aria-label={`cost ${key}`}
            data-testid={`cost-${key}`}
            onBlur={(event) => {
              const value = Number(event.target.value);
              if (event.target.value.trim() !== "" && Number.isFinite(value) && value !== amount) set(key, value);
            }}
          />
          <button type="button" className="btn btn-small btn-ghost" onClick={() => set(key, null)} aria-label={`remove ${key}`}>
            ×
          </button>
        </div>
      ))}
      <div className="row">
        <input
          value={newKey}
          placeholder="resource (cpu, memory, gpu…)"
          aria-label="new resource"
          data-testid="cost-new-key"
          onChange={(event) => setNewKey(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter") addKey();
          }}
          style={{ flex: 1 }}
        />
        <button type="button" className="btn btn-small" onClick={addKey}>
          Add
        </button>
      </div>
      {defaultCost !== undefined && Object.keys(defaultCost).length > 0 && (
        <div className="row">
          <span className="muted">default: {Object.entries(defaultCost).map(([key, amount]) => `${key} ${amount}`).join(", ")}</span>
          <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange({ ...defaultCost })}>
            use
          </button>
        </div>
      )}
    </div>
  );
}
