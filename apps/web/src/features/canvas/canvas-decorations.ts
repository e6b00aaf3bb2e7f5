"use client";
import type { FunctionInputs } from "@handoff/protocol";
import type { TaskState } from "@handoff/core";
import { createContext, useContext } from "react";
import type { TaskProblem } from "../dag-editor/task-problems.ts";

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
}

/**
 * What the canvas shows on top of the DAG file, kept out of node data so a node re-renders only when its
 * own task changes or these facts do.
 */
export interface CanvasDecorations {
  readonly problems: ReadonlyMap<string, readonly TaskProblem[]>;
  readonly placement: Readonly<Record<string, { machine: string | null; reason?: string }>>;
  readonly inputsByFn: ReadonlyMap<string, FunctionInputs>;
  readonly run: ReadonlyMap<string, TaskRunFacts> | null;
  readonly now: number;
}

export const EMPTY_DECORATIONS: CanvasDecorations = { problems: new Map(), placement: {}, inputsByFn: new Map(), run: null, now: 0 };

export const CanvasDecorationsContext = createContext<CanvasDecorations>(EMPTY_DECORATIONS);

export function useCanvasDecorations(): CanvasDecorations {
  return useContext(CanvasDecorationsContext);
}
