"use client";
import { useState } from "react";
import type { DagParams, JsonValue } from "@handoff/protocol";
import type { RunStartOptions } from "../../lib/trpc/api-types.ts";
import { ParamsForm } from "./params-form.tsx";
import { runParamsSchema, runParamValues } from "./run-params.ts";

/** Options for one run, and the DAG's run parameters (the extra-args form, from their schemas); empty fields keep the server's defaults. */
export function RunOptionsForm({ initialStrategy, initialOnFailure, params, isBusy, error, onRun, onCancel }: { initialStrategy: "first_available" | "load_balanced"; initialOnFailure: "fail_fast" | "continue"; params?: DagParams | undefined; isBusy: boolean; error: string | null; onRun: (options: RunStartOptions, params: Record<string, JsonValue>) => void; onCancel: () => void }) {
  const [paramPositions, setParamPositions] = useState<unknown[]>([]);
  const [strategy, setStrategy] = useState(initialStrategy);
  const [onFailure, setOnFailure] = useState(initialOnFailure);
  const [maxRetries, setMaxRetries] = useState("");
  const [maxConcurrency, setMaxConcurrency] = useState("");
  const [timeoutMs, setTimeoutMs] = useState("");
  const number = (text: string): number | undefined => (text.trim() === "" || !Number.isFinite(Number(text)) ? undefined : Number(text));
  return (
    <form
      className="panel panel-body stack"
      data-testid="run-options"
      style={{ position: "absolute", right: 10, top: 10, zIndex: 20, width: 300, boxShadow: "0 8px 30px rgba(0,0,0,.18)" }}
      onSubmit={(event) => {
        event.preventDefault();
        const options: RunStartOptions = { strategy, onFailure };
        const retries = number(maxRetries);
        const concurrency = number(maxConcurrency);
        const timeout = number(timeoutMs);
        if (retries !== undefined) options.maxRetries = retries;
        if (concurrency !== undefined) options.maxConcurrency = concurrency;
        if (timeout !== undefined) options.timeoutMs = timeout;
        onRun(options, params === undefined ? {} : runParamValues(params, paramPositions));
      }}
    >
      <h2>Run options</h2>
      {params !== undefined && Object.keys(params).length > 0 && (
        <fieldset className="stack" data-testid="run-params" style={{ border: 0, padding: 0, margin: 0 }}>
          <legend className="muted">parameters</legend>
          <ParamsForm params={runParamsSchema(params)} value={paramPositions} onCommit={setParamPositions} />
        </fieldset>
      )}
      <label className="field">
        <span>strategy</span>
        <select value={strategy} onChange={(event) => setStrategy(event.target.value === "load_balanced" ? "load_balanced" : "first_available")}>
          <option value="first_available">first_available</option>
          <option value="load_balanced">load_balanced</option>
        </select>
      </label>
      <label className="field">
        <span>on failure</span>
        <select value={onFailure} onChange={(event) => setOnFailure(event.target.value === "continue" ? "continue" : "fail_fast")}>
          <option value="fail_fast">fail_fast</option>
          <option value="continue">continue</option>
        </select>
      </label>
      <label className="field">
        <span>max retries (default 3)</span>
        <input type="number" min={0} value={maxRetries} onChange={(event) => setMaxRetries(event.target.value)} />
      </label>
      <label className="field">
        <span>max concurrency</span>
        <input type="number" min={1} value={maxConcurrency} onChange={(event) => setMaxConcurrency(event.target.value)} />
      </label>
      <label className="field">
        <span>run timeout ms</span>
        <input type="number" min={1} value={timeoutMs} onChange={(event) => setTimeoutMs(event.target.value)} />
      </label>
      {error !== null && <div className="notice">{error}</div>}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={isBusy} data-testid="run-start">
          {isBusy ? "Starting…" : "Start run"}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
