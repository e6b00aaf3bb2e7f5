"use client";
import { placementLabel } from "../canvas/placement-label.ts";
import { PlacementWhy, type PlacementWhyView } from "../placement/placement-why.tsx";
import { argSource, RETRYABLE_ERROR_KINDS } from "@handoff/core";
import { isParamArg, producerOf } from "@handoff/protocol";
import type { DagFile, TaskJson } from "@handoff/protocol";
import { useEffect, useState } from "react";
import type { CatalogueEntry, MachineView } from "../../lib/trpc/api-types.ts";
import { checkExtraArgs } from "./check-extra-args.ts";
import { CostEditor } from "./cost-editor.tsx";
import { moveArg, removeArg, renameTask, updateTask } from "./dag-edits.ts";
import { CommitInput, NumberInput } from "./fields.tsx";
import { ParamsForm } from "./params-form.tsx";
import type { TaskProblem } from "./task-problems.ts";

type Placement = NonNullable<TaskJson["placement"]>;

interface Props {
  file: DagFile;
  task: TaskJson;
  catalogue: readonly CatalogueEntry[];
  machines: readonly MachineView[];
  problems: readonly TaskProblem[];
  placement: { machine: string | null; reason?: string; explanation?: PlacementWhyView } | undefined;
  onChange: (file: DagFile) => void;
  onRenamed: (taskId: string) => void;
}

function without<K extends keyof TaskJson>(task: TaskJson, key: K): TaskJson {
  const { [key]: _removed, ...rest } = task;
  return rest as TaskJson;
}

export function TaskInspector({ file, task, catalogue, machines, problems, placement, onChange, onRenamed }: Props) {
  const meta = catalogue.find((entry) => entry.fn.name === task.fn)?.fn;
  const edit = (change: (task: TaskJson) => TaskJson) => onChange(updateTask(file, task.id, change));
  const setField = <K extends keyof TaskJson>(key: K, value: TaskJson[K] | undefined) => edit((t) => (value === undefined ? without(t, key) : { ...t, [key]: value }));

  return (
    <div data-testid="task-inspector">
      <div className="section stack">
        <h2>Task</h2>
        <CommitInput
          label="id"
          value={task.id}
          testId="inspector-id"
          onCommit={(value) => {
            const result = renameTask(file, task.id, value);
            if (!result.ok) return result.message;
            onChange(result.file);
            onRenamed(value.trim());
            return null;
          }}
        />
        <CommitInput
          label="function"
          value={task.fn}
          list="function-names"
          testId="inspector-fn"
          onCommit={(value) => {
            if (value.trim() === "") return "a task needs a function";
            setField("fn", value.trim());
            return null;
          }}
        />
        <datalist id="function-names">
          {catalogue.map((entry) => (
            <option key={entry.fn.name} value={entry.fn.name} />
          ))}
        </datalist>
        {meta?.description !== undefined && <p className="muted" style={{ margin: 0 }}>{meta.description}</p>}
        {meta === undefined && <p className="error">No online machine offers “{task.fn}”.</p>}
        {placement !== undefined && (
          <div style={{ margin: 0 }} data-testid="inspector-placement">
            {task.type === "inline" ? (
              <span className="muted">{placementLabel(task, placement).title}</span>
            ) : (
              <>
                Would run on <strong>{placement.machine ?? "no machine"}</strong>
                {placement.reason !== undefined && <span className="muted"> — {placement.reason}</span>}
                {placement.explanation !== undefined && <PlacementWhy explanation={placement.explanation} testId="inspector-why" showMachine={false} />}
              </>
            )}
          </div>
        )}
        {problems.length > 0 && (
          <div className="notice" data-testid="inspector-problems">
            {problems.map((problem, i) => (
              <div key={i}>
                <strong>{problem.kind}</strong>: {problem.message}
              </div>
            ))}
          </div>
        )}
      </div>

      <div className="section stack">
        <div className="row">
          <h3 style={{ margin: 0 }}>Inputs (call order)</h3>
          <span className="spacer" />
          <select value={task.argumentInclusion ?? "variadic"} onChange={(event) => setField("argumentInclusion", event.target.value === "as_list" ? "as_list" : undefined)} aria-label="argument inclusion">
            <option value="variadic">variadic</option>
            <option value="as_list">as_list</option>
          </select>
        </div>
        {(task.args ?? []).length === 0 ? (
          <p className="muted" style={{ margin: 0 }}>No inputs: connect a task&apos;s output to this one.</p>
        ) : (
          <ol className="args-list" data-testid="inspector-args">
            {(task.args ?? []).map((arg, index, args) => (
              <li key={`${index}-${producerOf(arg) ?? "param"}`}>
                <span className="index">{meta?.inputs.kind === "named" ? (meta.inputs.names[index] ?? index) : index}</span>
                <span className="mono" style={{ flex: 1 }}>
                  {isParamArg(arg) ? `param ${arg.param}` : argSource(arg)}
                  {typeof arg !== "string" && "from" in arg && (arg.encode !== undefined || arg.decode !== undefined) && <span className="muted"> (transformed)</span>}
                </span>
                <button type="button" className="btn btn-small btn-ghost" disabled={index === 0} onClick={() => onChange(moveArg(file, task.id, index, index - 1))} aria-label={`move input ${index} up`}>
                  ↑
                </button>
                <button type="button" className="btn btn-small btn-ghost" disabled={index === args.length - 1} onClick={() => onChange(moveArg(file, task.id, index, index + 1))} aria-label={`move input ${index} down`}>
                  ↓
                </button>
                <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange(removeArg(file, task.id, index))} aria-label={`remove input ${index}`}>
                  ×
                </button>
              </li>
            ))}
          </ol>
        )}
        {task.argumentInclusion === "as_list" && <p className="muted" style={{ margin: 0 }}>All inputs arrive as one list, in this order.</p>}
      </div>

      <div className="section stack">
        <h3 style={{ margin: 0 }}>Extra args</h3>
        <ParamsForm params={meta?.params} value={task.extraArgs} onCommit={(value) => setField("extraArgs", value.length === 0 ? undefined : (value as TaskJson["extraArgs"]))} />
        <ExtraArgsEditor key={task.id} value={task.extraArgs} params={meta?.params} onCommit={(value) => setField("extraArgs", value.length === 0 ? undefined : (value as TaskJson["extraArgs"]))} />
      </div>

      <div className="section stack">
        <h3 style={{ margin: 0 }}>Cost</h3>
        <CostEditor cost={task.cost} defaultCost={meta?.defaultCost} onChange={(cost) => setField("cost", cost)} />
      </div>

      <div className="section stack">
        <h3 style={{ margin: 0 }}>Placement</h3>
        <PlacementEditor placement={task.placement} taskId={task.id} file={file} machines={machines} isInline={task.type === "inline"} onChange={(value) => setField("placement", value)} />
        <label className="check">
          <input type="checkbox" checked={task.type === "inline"} onChange={(event) => setField("type", event.target.checked ? "inline" : undefined)} data-testid="inspector-inline" />
          inline (evaluated inside each consumer, never scheduled)
        </label>
      </div>

      <div className="section stack">
        <h3 style={{ margin: 0 }}>Retries and timeout</h3>
        <NumberInput label="max retries (empty = run default)" value={task.maxRetries} integer min={0} onCommit={(value) => setField("maxRetries", value)} />
        <div className="row" style={{ alignItems: "flex-start" }}>
          <NumberInput label="backoff ms" value={task.retryBackoff?.initialMs} min={0} onCommit={(value) => setField("retryBackoff", value === undefined ? undefined : withBackoff(task.retryBackoff, "initialMs", value))} />
          <NumberInput label="factor" value={task.retryBackoff?.factor} min={1} onCommit={(value) => setField("retryBackoff", withBackoff(task.retryBackoff, "factor", value))} />
          <NumberInput label="max ms" value={task.retryBackoff?.maxMs} min={0} onCommit={(value) => setField("retryBackoff", withBackoff(task.retryBackoff, "maxMs", value))} />
        </div>
        <NumberInput label="timeout ms" value={task.timeoutMs} min={1} onCommit={(value) => setField("timeoutMs", value)} />
        <div className="row">
          <span className="muted">retry on</span>
          {RETRYABLE_ERROR_KINDS.map((kind) => (
            <label key={kind} className="check">
              <input type="checkbox" checked={task.retryOn?.includes(kind) ?? true} onChange={(event) => setField("retryOn", withRetryOn(task.retryOn, kind, event.target.checked))} data-testid={`inspector-retry-on-${kind}`} />
              {kind}
            </label>
          ))}
        </div>
      </div>
    </div>
  );
}

type Backoff = NonNullable<TaskJson["retryBackoff"]>;

/** Sets one backoff field; factor and max need an initial delay, so setting them alone starts from 0 ms. */
function withBackoff(backoff: Backoff | undefined, key: keyof Backoff, value: number | undefined): Backoff | undefined {
  const next: Backoff = { initialMs: 0, ...backoff };
  if (value === undefined) delete next[key as "factor" | "maxMs"];
  else next[key] = value;
  return backoff === undefined && value === undefined ? undefined : next;
}

type RetryOn = NonNullable<TaskJson["retryOn"]>;

/** Turns one kind on or off; every kind on is the default (no `retryOn` written). `non_retryable` never retries. */
function withRetryOn(retryOn: RetryOn | undefined, kind: RetryOn[number], isOn: boolean): RetryOn | undefined {
  const next = RETRYABLE_ERROR_KINDS.filter((k) => (k === kind ? isOn : (retryOn?.includes(k) ?? true)));
  return next.length === RETRYABLE_ERROR_KINDS.length ? undefined : next;
}

function ExtraArgsEditor({ value, params, onCommit }: { value: TaskJson["extraArgs"]; params: Record<string, unknown> | undefined; onCommit: (value: unknown[]) => void }) {
  const initial = value === undefined ? "" : JSON.stringify(value);
  const [text, setText] = useState(initial);
  useEffect(() => setText(initial), [initial]);
  const check = checkExtraArgs(text, params);
  return (
    <>
      {params !== undefined && <span className="muted">as JSON (advanced)</span>}
      <textarea
        rows={2}
        value={text}
        placeholder="[ ] — JSON list, after the inputs"
        className={check.ok ? undefined : "invalid"}
        data-testid="inspector-extra-args"
        onChange={(event) => setText(event.target.value)}
        onBlur={() => {
          if (check.ok && text !== initial) onCommit(check.value);
        }}
      />
      {!check.ok && <span className="field-error">{check.message}</span>}
      {params !== undefined && (
        <details>
          <summary className="muted">parameters (JSON Schema)</summary>
          <pre className="preview">{JSON.stringify(params, null, 2)}</pre>
        </details>
      )}
    </>
  );
}

function PlacementEditor({ placement, taskId, file, machines, isInline, onChange }: { placement: Placement | undefined; taskId: string; file: DagFile; machines: readonly MachineView[]; isInline: boolean; onChange: (placement: Placement | undefined) => void }) {
  const kind = placement?.kind ?? "auto";
  const others = file.tasks.filter((task) => task.id !== taskId && task.type !== "inline");
  return (
    <div className="stack" style={{ gap: 6 }}>
      <select
        value={kind}
        disabled={isInline}
        aria-label="placement"
        data-testid="inspector-placement-kind"
        onChange={(event) => {
          const next = event.target.value;
          if (next === "pinned") onChange({ kind: "pinned", machine: machines[0]?.name ?? "" });
          else if (next === "collocated") onChange({ kind: "collocated", with: others[0]?.id ?? "" });
          else onChange(undefined);
        }}
      >
        <option value="auto">auto (strategy decides)</option>
        <option value="pinned">pin to a machine</option>
        <option value="collocated">collocate with a task</option>
      </select>
      {placement?.kind === "pinned" && (
        <select value={placement.machine} onChange={(event) => onChange({ kind: "pinned", machine: event.target.value })} aria-label="pinned machine">
          {!machines.some((machine) => machine.name === placement.machine) && <option value={placement.machine}>{placement.machine || "(choose)"} </option>}
          {machines.map((machine) => (
            <option key={machine.name} value={machine.name}>
              {machine.name} ({machine.status})
            </option>
          ))}
        </select>
      )}
      {placement?.kind === "collocated" && (
        <select value={placement.with} onChange={(event) => onChange({ kind: "collocated", with: event.target.value })} aria-label="collocated with">
          {!others.some((task) => task.id === placement.with) && <option value={placement.with}>{placement.with || "(choose)"}</option>}
          {others.map((task) => (
            <option key={task.id} value={task.id}>
              {task.id}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}
