/** The run parameters a run ran with, in the run header: `n = 3 · label = "x"`. Nothing for a DAG without any. */
export function RunParamsLine({ params }: { params: Readonly<Record<string, unknown>> | null }) {
  if (params === null || Object.keys(params).length === 0) return null;
  return (
    <span className="mono muted" data-testid="run-params" title="the run parameters this run ran with (re-runs reuse them)">
      {Object.entries(params)
        .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
        .join(" · ")}
    </span>
  );
}
