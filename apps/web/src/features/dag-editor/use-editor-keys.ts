"use client";
import { useEffect, type RefObject } from "react";
import type { DagFile } from "@handoff/protocol";
import { copyTasks, pasteTasks } from "./dag-edits.ts";
import { isTypingTarget } from "./keyboard-shortcuts.ts";
import type { EditorState, Selection } from "./use-editor-state.ts";
import { placePasted } from "./place-new-tasks.ts";

/**
 * The editor's keyboard: Ctrl+S saves from anywhere (a field being typed in is committed first), and outside
 * fields Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo, Ctrl+C / Ctrl+V copy and paste the selected tasks
 * (pasted where they overlap no card). Delete is React Flow's own.
 */
export function useEditorKeys(editor: EditorState, refs: { file: RefObject<DagFile>; selection: RefObject<Selection> }, save: () => void): void {
  const { setSelection } = editor;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey)) return;
      const key = event.key.toLowerCase();
      if (key === "s" && !event.shiftKey && !event.altKey) {
        event.preventDefault();
        save();
        return;
      }
      if (isTypingTarget(event.target)) return;
      if (key === "z" && !event.shiftKey) editor.undo();
      else if ((key === "z" && event.shiftKey) || key === "y") editor.redo();
      else if (key === "c" && refs.selection.current.tasks.size > 0) editor.setClipboard(copyTasks(refs.file.current, refs.selection.current.tasks));
      else if (key === "v" && editor.clipboard.length > 0) {
        const file = refs.file.current;
        const pasted = pasteTasks(file, editor.clipboard, placePasted(file, editor.clipboard, { x: 40, y: 40 }));
        editor.change(pasted.file);
        setSelection({ tasks: new Set(pasted.taskIds), edges: new Set() });
      } else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [editor, setSelection, refs, save]);
}
