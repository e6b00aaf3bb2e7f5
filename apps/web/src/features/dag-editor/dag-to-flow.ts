import { producerOf } from "@handoff/protocol";
import type { DagFile, TaskJson } from "@handoff/protocol";
import { LIST_HANDLE, OUTPUT_HANDLE, argEdgeId, argHandle, type ArgEdge, type ArgEdgeData, type ArgJson, type TaskNode } from "./flow-types.ts";

export interface FlowGraph {
  nodes: TaskNode[];
  edges: ArgEdge[];
}

/**
 * The canvas view of a DAG file: one node per task (at its saved position, or `fallbackPosition`), one edge
 * per ordered input, drawn into the port of its argument position (`as_list` tasks collect every input in one
 * port). Inputs that name no task of the file get no edge; validation reports them.
 * @example dagToFlow(file).edges[0] // { source: "a", target: "b", targetHandle: "in-0", data: { index: 0 } }
 */
export function dagToFlow(file: DagFile, fallbackPosition: (task: TaskJson, index: number) => { x: number; y: number } = defaultPosition): FlowGraph {
  const ids = new Set(file.tasks.map((task) => task.id));
  const nodes: TaskNode[] = file.tasks.map((task, index) => ({
    id: task.id,
    type: "task",
    position: task.position ?? fallbackPosition(task, index),
    data: { task },
  }));
  const edges: ArgEdge[] = [];
  for (const task of file.tasks) {
    const isList = task.argumentInclusion === "as_list";
    (task.args ?? []).forEach((arg, index) => {
      const source = producerOf(arg);
      if (source === null || !ids.has(source)) return;
      const data: ArgEdgeData = { index };
      if (typeof arg !== "string" && "from" in arg) {
        if (arg.encode !== undefined) data.encode = arg.encode;
        if (arg.decode !== undefined) data.decode = arg.decode;
      }
      edges.push({
        id: argEdgeId(source, task.id, index),
        type: "arg",
        source,
        target: task.id,
        sourceHandle: OUTPUT_HANDLE,
        targetHandle: isList ? LIST_HANDLE : argHandle(index),
        data,
      });
    });
  }
  return { nodes, edges };
}

/**
 * The DAG file a canvas stands for: tasks in node order at their (rounded) canvas positions, each task's
 * args rebuilt from its incoming edges sorted by argument position, transforms kept on the edge's arg.
 * `meta` supplies the file's name, description and run defaults.
 */
export function flowToDag(meta: Omit<DagFile, "tasks">, nodes: readonly TaskNode[], edges: readonly ArgEdge[]): DagFile {
  const incoming = new Map<string, ArgEdge[]>();
  for (const edge of edges) {
    const list = incoming.get(edge.target);
    if (list === undefined) incoming.set(edge.target, [edge]);
    else list.push(edge);
  }
  const tasks = nodes.map((node): TaskJson => {
    const { args: _args, position: _position, ...rest } = node.data.task;
    const inputs = [...(incoming.get(node.id) ?? [])].sort((a, b) => (a.data?.index ?? 0) - (b.data?.index ?? 0));
    const task: TaskJson = { ...rest };
    if (inputs.length > 0) task.args = inputs.map(toArg);
    task.position = { x: Math.round(node.position.x), y: Math.round(node.position.y) };
    return task;
  });
  return { ...meta, tasks };
}

function toArg(edge: ArgEdge): ArgJson {
  const encode = edge.data?.encode;
  const decode = edge.data?.decode;
  if (encode === undefined && decode === undefined) return edge.source;
  return { from: edge.source, ...(encode === undefined ? {} : { encode }), ...(decode === undefined ? {} : { decode }) };
}

function defaultPosition(_task: TaskJson, index: number): { x: number; y: number } {
  return { x: (index % 4) * 240, y: Math.floor(index / 4) * 140 };
}
