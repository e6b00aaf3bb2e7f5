"use client";
import type { DagFile } from "@handoff/protocol";
import { CommitInput } from "./fields.tsx";
import type { TaskProblem } from "./task-problems.ts";

/** Shown when nothing is selected: the DAG's own fields and the problems that belong to no task. */
export function DagInspector({ file, general, problemCount, onChange }: { file: DagFile; general: readonly TaskProblem[]; problemCount: number; onChange: (file: DagFile) => void }) {
  return (
    <div className="section stack" data-testid="dag-inspector">
      <h2>DAG</h2>
      <CommitInput
        label="name"
        value={file.name}
        testId="dag-name"
        onCommit={(value) => {
          if (value.trim() === "") return "a DAG needs a name";
          onChange({ ...file, name: value.trim() });
          return null;
        }}
      />
      <label className="field">
        <span>description</span>
        <textarea
          rows={2}
          defaultValue={file.description ?? ""}
          key={file.description ?? ""}
          onBlur={(event) => {
            const text = event.target.value.trim();
            if (text === (file.description ?? "")) return;
            const { description: _old, ...rest } = file;
            onChange(text === "" ? rest : { ...rest, description: text });
          }}
        />
      </label>
      <label className="field">
        <span>on failure</span>
        <select value={file.onFailure ?? "fail_fast"} onChange={(event) => onChange({ ...file, onFailure: event.target.value === "continue" ? "continue" : "fail_fast" })}>
          <option value="fail_fast">fail_fast — cancel the rest</option>
          <option value="continue">continue — skip dependents only</option>
        </select>
      </label>
      <p className="muted" style={{ margin: 0 }}>
        {file.tasks.length} task{file.tasks.length === 1 ? "" : "s"} · {problemCount === 0 ? "no problems" : `${problemCount} problem${problemCount === 1 ? "" : "s"}`}
      </p>
      {general.length > 0 && (
        <div className="notice">
          {general.map((problem, i) => (
            <div key={i}>{problem.message}</div>
          ))}
        </div>
      )}
      <p className="muted" style={{ margin: 0 }}>
        Drag functions from the palette, connect an output (right) to an input port (left). Select a task or edge to edit it. Press ? for the keyboard shortcuts.
      </p>
    </div>
  );
}
