"use client";
import type { DagFile, TaskJson } from "@handoff/protocol";
import { useCallback, useReducer, useState } from "react";
import { emptyDag } from "./empty-dag.ts";
import { canRedo, canUndo, createHistory, historyReducer, type History, type HistoryAction } from "./history.ts";

type EditorAction = HistoryAction<DagFile> | { type: "edit"; apply: (file: DagFile) => DagFile; transient: boolean };

function editorReducer(history: History<DagFile>, action: EditorAction): History<DagFile> {
  if (action.type === "edit") return historyReducer(history, { type: "change", value: action.apply(history.present), transient: action.transient });
  return historyReducer(history, action);
}

export interface Selection {
  readonly tasks: ReadonlySet<string>;
  /** Edge ids (`source->target[index]`). */
  readonly edges: ReadonlySet<string>;
}

export const NO_SELECTION: Selection = { tasks: new Set(), edges: new Set() };

/** The editor's state: the DAG file with its undo history, the selection, and the saved version it came from. */
export function useEditorState() {
  const [history, dispatch] = useReducer(editorReducer, undefined, () => createHistory(emptyDag()));
  const [selection, setSelection] = useState<Selection>(NO_SELECTION);
  const [saved, setSaved] = useState<{ name: string; version: number; file: DagFile } | null>(null);
  const [clipboard, setClipboard] = useState<TaskJson[]>([]);

  const change = useCallback((file: DagFile, transient = false) => dispatch({ type: "change", value: file, transient }), []);
  /** Applies a pure edit to the newest file (safe when several edits arrive before a render). */
  const edit = useCallback((apply: (file: DagFile) => DagFile, transient = false) => dispatch({ type: "edit", apply, transient }), []);
  const commit = useCallback(() => dispatch({ type: "commit" }), []);
  const undo = useCallback(() => dispatch({ type: "undo" }), []);
  const redo = useCallback(() => dispatch({ type: "redo" }), []);
  /** Opens `file`; `source` is the saved version it belongs to (with that version's file when `file` is a draft of it). */
  const open = useCallback((file: DagFile, source: { name: string; version: number; file?: DagFile } | null) => {
    dispatch({ type: "reset", value: file });
    setSelection(NO_SELECTION);
    setSaved(source === null ? null : { name: source.name, version: source.version, file: source.file ?? file });
  }, []);

  return {
    file: history.present,
    history,
    canUndo: canUndo(history),
    canRedo: canRedo(history),
    change,
    edit,
    commit,
    undo,
    redo,
    open,
    selection,
    setSelection,
    saved,
    setSaved,
    clipboard,
    setClipboard,
  };
}

export type EditorState = ReturnType<typeof useEditorState>;
