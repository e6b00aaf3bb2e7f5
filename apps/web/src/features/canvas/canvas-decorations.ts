"use client";
import type { FunctionInputs } from "@handoff/protocol";
import type { TaskState } from "@handoff/core";
import { createContext, useCallback, useContext, useSyncExternalStore } from "react";
import type { TaskProblem } from "../dag-editor/task-problems.ts";
import type { RunFactsStore } from "./run-facts-store.ts";

/** Live facts about a task in a run, shown on its node. */
export interface TaskRunFacts {
  readonly state: TaskState;
  readonly machine: string | null;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly reason: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly resultMachine: string | null;
  /** An inline task's scheduled consumers, which evaluate it (its state and machines are theirs). */
  readonly inlineIn?: readonly string[];
}

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
