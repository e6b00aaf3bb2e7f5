"use client";
import type { DagFile } from "@handoff/protocol";
import type { EdgeChange, NodeChange } from "@xyflow/react";
import { useCallback, type Dispatch, type RefObject, type SetStateAction } from "react";
import { moveTasks } from "./dag-edits.ts";
import type { ArgEdge, TaskNode } from "./flow-types.ts";
import type { Selection } from "./use-editor-state.ts";

type Size = { width: number; height: number };

interface FlowChangeTargets {
  readonly edit: (apply: (file: DagFile) => DagFile, transient?: boolean) => void;
  readonly commit: () => void;
  readonly setSelection: Dispatch<SetStateAction<Selection>>;
  readonly selectionRef: RefObject<Selection>;
  readonly setMeasured: Dispatch<SetStateAction<ReadonlyMap<string, Size>>>;
}

/**
 * React Flow's node and edge changes applied to the editor: moves become (transient, then committed) edits of
 * the file, measurements are kept for the next render's nodes, selection changes update the selection.
 */
export function useFlowChanges({ edit, commit, setSelection, selectionRef, setMeasured }: FlowChangeTargets) {
  const onNodesChange = useCallback(
    (changes: NodeChange<TaskNode>[]) => {
      const positions = new Map<string, { x: number; y: number }>();
      let isDragging = false;
      let dragEnded = false;
      const sizes = new Map<string, Size>();
      let nextSelection: Set<string> | null = null;
      for (const change of changes) {
        switch (change.type) {
          case "position":
            if (change.position !== undefined) positions.set(change.id, change.position);
            if (change.dragging === true) isDragging = true;
            if (change.dragging === false) dragEnded = true;
            break;
          case "dimensions":
            if (change.dimensions !== undefined) sizes.set(change.id, change.dimensions);
            break;
          case "select":
            nextSelection ??= new Set(selectionRef.current.tasks);
            if (change.selected) nextSelection.add(change.id);
            else nextSelection.delete(change.id);
            break;
          case "add":
          case "remove":
          case "replace":
            break;
        }
      }
      if (positions.size > 0) edit((current) => moveTasks(current, positions), isDragging);
      if (dragEnded) commit();
      if (sizes.size > 0) setMeasured((previous) => new Map([...previous, ...sizes]));
      if (nextSelection !== null) {
        const tasks = nextSelection;
        setSelection((previous) => ({ tasks, edges: previous.edges }));
      }
    },
    [edit, commit, setSelection, selectionRef, setMeasured],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<ArgEdge>[]) => {
      let next: Set<string> | null = null;
      for (const change of changes) {
        if (change.type !== "select") continue;
        next ??= new Set(selectionRef.current.edges);
        if (change.selected) next.add(change.id);
        else next.delete(change.id);
      }
      if (next !== null) {
        const edgesSelected = next;
        setSelection((previous) => ({ tasks: previous.tasks, edges: edgesSelected }));
      }
    },
    [setSelection, selectionRef],
  );
  return { onNodesChange, onEdgesChange };
}
