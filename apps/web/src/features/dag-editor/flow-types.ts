import type { Edge, Node } from "@xyflow/react";
import type { TaskJson } from "@handoff/protocol";

/** One ordered input as the DAG file writes it: a producer's id, or an edge with transforms. */
export type ArgJson = NonNullable<TaskJson["args"]>[number];
export type EdgeArgJson = Extract<ArgJson, { from: string }>;
export type EdgeTransformJson = NonNullable<EdgeArgJson["encode"]>;

/** What a task card on the canvas carries: the task exactly as the DAG file holds it. */
export type TaskNodeData = {
  task: TaskJson;
};
export type TaskNode = Node<TaskNodeData, "task">;

/** One ordered input of a consumer: `index` is the argument position; transforms ride on the edge. */
export type ArgEdgeData = {
  index: number;
  encode?: EdgeTransformJson;
  decode?: EdgeTransformJson;
  /** The y of the horizontal corridor the edge detours along when a card stands in its way (canvas/edge-routes.ts). */
  corridorY?: number;
};
export type ArgEdge = Edge<ArgEdgeData, "arg">;

export const OUTPUT_HANDLE = "out";
/** The single collecting input of an `as_list` task. */
export const LIST_HANDLE = "in-list";
/** The free port a new input is connected to (it becomes the last argument). */
export const NEW_ARG_HANDLE = "in-new";

export function argHandle(index: number): string {
  return `in-${index}`;
}

/** `in-3` → 3; `in-new`/`in-list`/anything else → null (append). */
export function argIndexOfHandle(handle: string | null | undefined): number | null {
  if (handle === null || handle === undefined) return null;
  const match = /^in-(\d+)$/.exec(handle);
  return match === null ? null : Number(match[1]);
}

export function argEdgeId(source: string, target: string, index: number): string {
  return `${source}->${target}[${index}]`;
}
