"use client";
import type { DagFile } from "@handoff/protocol";
import { useRef } from "react";
import { DagCodeMenu } from "./dag-code-menu.tsx";
import { downloadText } from "./download-text.ts";
import { OpenDagSelect } from "./open-dag-select.tsx";
import { KeyboardShortcuts } from "./shortcuts-sheet.tsx";
import type { EditorState } from "./use-editor-state.ts";

export interface EditorToolbarProps {
  readonly editor: EditorState;
  readonly isModified: boolean;
  readonly isStorageFull: boolean;
  readonly check: { readonly isChecking: boolean; readonly problemCount: number };
  readonly isSaving: boolean;
  readonly onOpen: (name: string) => void;
  readonly onNew: () => void;
  /** A DAG opened from a file the select offers (the examples). */
  readonly onOpenFile: (opened: DagFile) => void;
  readonly onLayout: () => void;
  readonly onFit: () => void;
  readonly onImport: (input: HTMLInputElement) => void;
  readonly onImportCode: (imported: DagFile) => void;
  readonly onSelectAll: () => void;
  readonly onSave: () => void;
  readonly onTogglePanel: (panel: "run" | "versions") => void;
}

/** The editor's toolbar: open/new, undo/redo, layout, import/export (JSON and code), strategy, shortcuts, problems, versions, save, run. */
export function EditorToolbar(props: EditorToolbarProps) {
  const { editor, isModified, isStorageFull, check, isSaving, onOpen, onNew, onOpenFile, onLayout, onFit, onImport, onImportCode, onSelectAll, onSave, onTogglePanel } = props;
  const { file } = editor;
  const strategy = file.strategy ?? "first_available";
  const importInput = useRef<HTMLInputElement>(null);
  const isEmpty = file.tasks.length === 0;
  const setStrategy = (value: string) => editor.change({ ...file, strategy: value === "load_balanced" ? "load_balanced" : "first_available" } satisfies DagFile);
  return (
    <div className="toolbar" data-testid="editor-toolbar">
      <OpenDagSelect onOpen={onOpen} onNew={onNew} onOpenFile={onOpenFile} />
      <strong className="mono">{file.name}</strong>
      <span className="muted" data-testid="save-state">
        {editor.saved === null ? "not saved" : `v${editor.saved.version}${isModified ? " · modified" : ""}`}
        {isModified && isStorageFull ? " · draft not kept (browser storage full)" : ""}
      </span>
      <span className="sep" />
      <button type="button" className="btn btn-small" onClick={editor.undo} disabled={!editor.canUndo} title="Undo (Ctrl+Z)">
        Undo
      </button>
      <button type="button" className="btn btn-small" onClick={editor.redo} disabled={!editor.canRedo} title="Redo (Ctrl+Shift+Z)">
        Redo
      </button>
      <button type="button" className="btn btn-small" onClick={onLayout} disabled={isEmpty}>
        Auto-layout
      </button>
      <button type="button" className="btn btn-small" onClick={onFit}>
        Fit
      </button>
      <span className="sep" />
      <button type="button" className="btn btn-small" onClick={() => importInput.current?.click()}>
        Import
      </button>
      <input ref={importInput} type="file" accept=".json,application/json" hidden data-testid="import-input" onChange={(event) => onImport(event.target)} />
      <button type="button" className="btn btn-small" onClick={() => downloadText(`${file.name}.dag.json`, `${JSON.stringify(file, null, 2)}\n`)}>
        Export
      </button>
      <DagCodeMenu file={file} onImport={onImportCode} />
      <span className="sep" />
      <label className="row muted" title="strategy used by the placement preview and saved with the DAG">
        <select value={strategy} onChange={(event) => setStrategy(event.target.value)} data-testid="strategy">
          <option value="first_available">first available</option>
          <option value="load_balanced">load balanced</option>
        </select>
      </label>
      <KeyboardShortcuts onSelectAll={onSelectAll} />
      <span className="spacer" />
      <span className={check.problemCount === 0 || isEmpty ? "muted" : "error"} data-testid="problem-count">
        {check.isChecking ? "checking… " : ""}
        {isEmpty ? "empty" : check.problemCount === 0 ? "valid" : `${check.problemCount} problem${check.problemCount === 1 ? "" : "s"}`}
      </span>
      <button type="button" className="btn btn-small" onClick={() => onTogglePanel("versions")} disabled={editor.saved === null}>
        Versions
      </button>
      <button type="button" className="btn btn-small" onClick={onSave} disabled={isSaving || isEmpty} data-testid="save" title="Save (Ctrl+S)">
        {isSaving ? "Saving…" : "Save"}
      </button>
      <button type="button" className="btn btn-small btn-primary" onClick={() => onTogglePanel("run")} disabled={isEmpty} data-testid="run">
        Run…
      </button>
    </div>
  );
}
