import type { TaskJson } from "@handoff/protocol";
import type { NodeHandle } from "@xyflow/react";
import type { ArgEdge, TaskNode } from "./flow-types.ts";

type Size = { readonly width: number; readonly height: number };

/**
 * Canvas objects that keep their identity while nothing about them changed. React Flow compares nodes by
 * identity: a node that is a new object loses its measured handles, is re-measured and re-rendered, so
 * building 1,000 fresh objects on every selection or measurement turns each change into 1,000 renders.
 * Nodes are keyed by their task object (a new task object means the task changed), edges by their target's.
 * A new node object is given the handles `handlesOf` answers then (canvas/known-handles.ts).
 * @example const stable = createStableFlowElements(); stable.node(node, isSelected, size, () => handles)
 */
export function createStableFlowElements() {
  const nodes = new WeakMap<TaskJson, { node: TaskNode; selected: boolean; size: Size | undefined }>();
  const edges = new WeakMap<TaskJson, Map<string, { edge: ArgEdge; selected: boolean; corridorY: number | undefined }>>();
  return {
    node(from: TaskNode, selected: boolean, size: Size | undefined, handlesOf?: () => NodeHandle[]): TaskNode {
      const task = from.data.task;
      const cached = nodes.get(task);
      if (cached !== undefined && cached.selected === selected && cached.size?.width === size?.width && cached.size?.height === size?.height) return cached.node;
      const node: TaskNode = { ...from, selected, ...(size === undefined ? {} : { measured: size }), ...(handlesOf === undefined ? {} : { handles: handlesOf() }) };
      nodes.set(task, { node, selected, size });
      return node;
    },
    edge(from: ArgEdge, target: TaskJson, selected: boolean, corridorY?: number): ArgEdge {
      const byId = edges.get(target) ?? edges.set(target, new Map()).get(target)!;
      const cached = byId.get(from.id);
      if (cached !== undefined && cached.selected === selected && cached.corridorY === corridorY) return cached.edge;
      const edge: ArgEdge = { ...from, selected, ...(corridorY === undefined || from.data === undefined ? {} : { data: { ...from.data, corridorY } }) };
      byId.set(from.id, { edge, selected, corridorY });
      return edge;
    },
  };
}
