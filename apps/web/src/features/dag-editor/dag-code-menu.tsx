"use client";
import { exportDagCode } from "@handoff/dag-code/export";
import type { DagCodeProblem } from "@handoff/dag-code/import";
import type { DagFile } from "@handoff/protocol";
import { useRef, useState } from "react";
import { downloadText } from "./download-text.ts";
import { importDagCodeOffMainThread } from "./import-dag-code-off-main-thread.ts";
import { withPositions } from "./import-dag-text.ts";
import { layoutOffMainThread } from "./layout-off-main-thread.ts";

/**
 * "Export as code" (downloads the DAG as a TypeScript SDK module) and "Import code…" (a module pasted or
 * picked, parsed in a worker and never run; what cannot be read is listed by line and column).
 */
export function DagCodeMenu({ file, onImport }: { file: DagFile; onImport: (imported: DagFile) => void }) {
  const [isOpen, setIsOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-small" onClick={() => downloadText(`${file.name}.dag.ts`, exportDagCode(file), "text/typescript")} data-testid="export-code">
        Export as code
      </button>
      <button type="button" className="btn btn-small" onClick={() => setIsOpen(!isOpen)} data-testid="import-code">
        Import code…
      </button>
      {isOpen && (
        <ImportCodePanel
          onClose={() => setIsOpen(false)}
          onImport={(imported) => {
            setIsOpen(false);
            onImport(imported);
          }}
        />
      )}
    </>
  );
}

function ImportCodePanel({ onImport, onClose }: { onImport: (imported: DagFile) => void; onClose: () => void }) {
  const [text, setText] = useState("");
  const [fileName, setFileName] = useState("pasted.ts");
  const [problems, setProblems] = useState<readonly DagCodeProblem[]>([]);
  const [isReading, setIsReading] = useState(false);
  const picker = useRef<HTMLInputElement>(null);

  const read = async () => {
    setIsReading(true);
    try {
      const result = await importDagCodeOffMainThread(text, fileName);
      if (!result.ok) return setProblems(result.problems);
      setProblems([]);
      const needsLayout = result.dag.tasks.some((task) => task.position === undefined);
      onImport(needsLayout ? withPositions(result.dag, await layoutOffMainThread(result.dag.tasks)) : result.dag);
    } finally {
      setIsReading(false);
    }
  };

  return (
    <form
      className="panel panel-body stack"
      data-testid="import-code-panel"
      style={{ position: "fixed", left: "50%", top: 90, transform: "translateX(-50%)", zIndex: 30, width: 600, boxShadow: "0 8px 30px rgba(0,0,0,.18)" }}
      onSubmit={(event) => {
        event.preventDefault();
        void read();
      }}
    >
      <h2>Import code</h2>
      <p className="muted" style={{ margin: 0 }}>
        A TypeScript module as “Export as code” writes it (<code className="mono">new Dag(…).addTask(…)</code>). It is parsed, never run: only literals are read.
      </p>
      <textarea
        className="mono"
        rows={14}
        value={text}
        spellCheck={false}
        placeholder={'import { Dag } from "@handoff/sdk";\n\nexport const dag = new Dag("name")\n  .addTask({ id: "a", fn: "std.constant", extraArgs: [1] });'}
        onChange={(event) => {
          setText(event.target.value);
          setProblems([]);
        }}
        data-testid="import-code-text"
      />
      {problems.length > 0 && (
        <ul className="notice" role="alert" data-testid="import-code-problems" style={{ margin: 0, paddingLeft: 24, maxHeight: 160, overflow: "auto" }}>
          {problems.map((problem, index) => (
            <li key={index}>
              {fileName}: line {problem.line}, column {problem.column}: {problem.message}
            </li>
          ))}
        </ul>
      )}
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={isReading || text.trim() === ""} data-testid="import-code-read">
          {isReading ? "Reading…" : "Import"}
        </button>
        <button type="button" className="btn" onClick={() => picker.current?.click()}>
          Choose file…
        </button>
        <input
          ref={picker}
          type="file"
          accept=".ts,.mts,text/typescript"
          hidden
          data-testid="import-code-file"
          onChange={(event) => {
            const picked = event.target.files?.[0];
            event.target.value = "";
            if (picked === undefined) return;
            void picked.text().then((content) => {
              setFileName(picked.name);
              setText(content);
              setProblems([]);
            });
          }}
        />
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
