"use client";
import { isParamArg } from "@handoff/protocol";
import type { DagFile } from "@handoff/protocol";
import { argSource } from "@handoff/core";
import { useEffect, useState } from "react";
import type { CatalogueEntry } from "../../lib/trpc/api-types.ts";
import { removeArg, setEdgeTransform } from "./dag-edits.ts";
import type { EdgeTransformJson } from "./flow-types.ts";

export function EdgeInspector({ file, target, index, catalogue, onChange, onRemoved }: { file: DagFile; target: string; index: number; catalogue: readonly CatalogueEntry[]; onChange: (file: DagFile) => void; onRemoved: () => void }) {
  const arg = file.tasks.find((task) => task.id === target)?.args?.[index];
  if (arg === undefined || isParamArg(arg)) return null;
  const source = argSource(arg);
  const edge = typeof arg === "string" ? { from: arg } : arg;
  const transforms = catalogue.filter((entry) => entry.fn.kind === "transform");
  const names = (transforms.length > 0 ? transforms : catalogue).map((entry) => entry.fn.name);
  return (
    <div data-testid="edge-inspector">
      <div className="section stack">
        <h2>Edge</h2>
        <p style={{ margin: 0 }}>
          <span className="mono">{source}</span> → <span className="mono">{target}</span>, input {index}
        </p>
        <button type="button" className="btn btn-danger" onClick={() => { onChange(removeArg(file, target, index)); onRemoved(); }}>
          Remove edge
        </button>
      </div>
      <TransformEditor key={`enc-${target}-${index}`} title="Encode (on the producer's machine)" value={edge.encode} names={names} onChange={(transform) => onChange(setEdgeTransform(file, target, index, "encode", transform))} />
      <TransformEditor key={`dec-${target}-${index}`} title="Decode (on the consumer's machine)" value={edge.decode} names={names} onChange={(transform) => onChange(setEdgeTransform(file, target, index, "decode", transform))} />
      <p className="muted section" style={{ margin: 0 }}>
        Both are called as <code>fn(value, sourceMachine, targetMachine, …args)</code>.
      </p>
    </div>
  );
}

function TransformEditor({ title, value, names, onChange }: { title: string; value: EdgeTransformJson | undefined; names: readonly string[]; onChange: (transform: EdgeTransformJson | undefined) => void }) {
  const [fn, setFn] = useState(value?.fn ?? "");
  const [argsText, setArgsText] = useState(value?.args === undefined ? "" : JSON.stringify(value.args));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setFn(value?.fn ?? "");
    setArgsText(value?.args === undefined ? "" : JSON.stringify(value.args));
  }, [value]);
  const apply = () => {
    if (fn.trim() === "") {
      setError(null);
      if (value !== undefined) onChange(undefined);
      return;
    }
    let args: unknown = undefined;
    if (argsText.trim() !== "") {
      try {
        args = JSON.parse(argsText);
      } catch (cause) {
        return setError(`args: not valid JSON: ${(cause as Error).message}`);
      }
      if (!Array.isArray(args)) return setError("args must be a JSON list");
    }
    setError(null);
    onChange({ fn: fn.trim(), ...(args === undefined ? {} : { args: args as NonNullable<EdgeTransformJson["args"]> }) });
  };
  const listId = `transform-names-${title.slice(0, 6)}`;
  return (
    <div className="section stack">
      <h3 style={{ margin: 0 }}>{title}</h3>
      <input value={fn} list={listId} placeholder="function (empty = none)" onChange={(event) => setFn(event.target.value)} onBlur={apply} aria-label={`${title} function`} />
      <datalist id={listId}>
        {names.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <input value={argsText} placeholder="args, JSON list" onChange={(event) => setArgsText(event.target.value)} onBlur={apply} aria-label={`${title} args`} className={error === null ? undefined : "invalid"} />
      {error !== null && <span className="field-error">{error}</span>}
    </div>
  );
}
