"use client";
import type { FunctionInputs } from "@handoff/protocol";
import { createContext, useCallback, useContext, useSyncExternalStore } from "react";
import type { TaskProblem } from "../dag-editor/task-problems.ts";
import type { RunFactsStore, TaskRunFacts } from "./run-facts-store.ts";

export type { TaskRunFacts } from "./run-facts-store.ts";

/**
 * What the canvas shows on top of the DAG file, kept out of node data so a node re-renders only when its
 * own task changes or these facts do.
 */
export interface CanvasDecorations {
  readonly problems: ReadonlyMap<string, readonly TaskProblem[]>;
  readonly placement: Readonly<Record<string, { machine: string | null; reason?: string }>>;
  readonly inputsByFn: ReadonlyMap<string, FunctionInputs>;
  /** Live facts of a run (null in the editor); nodes subscribe to their own task, not to this object. */
  readonly run: RunFactsStore | null;
}

export const EMPTY_DECORATIONS: CanvasDecorations = { problems: new Map(), placement: {}, inputsByFn: new Map(), run: null };

export const CanvasDecorationsContext = createContext<CanvasDecorations>(EMPTY_DECORATIONS);

export function useCanvasDecorations(): CanvasDecorations {
  return useContext(CanvasDecorationsContext);
}

const NO_SUBSCRIPTION = () => () => undefined;

/** This task's live facts; the node re-renders when they change and not when other tasks change. */
export function useTaskRunFacts(store: RunFactsStore | null, taskId: string): TaskRunFacts | undefined {
  const subscribe = useCallback((listener: () => void) => (store === null ? NO_SUBSCRIPTION() : store.subscribe(taskId, listener)), [store, taskId]);
  return useSyncExternalStore(subscribe, () => store?.get(taskId), () => store?.get(taskId));
}
