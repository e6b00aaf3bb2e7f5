"use client";
import type { DagFile, FunctionInputs, TaskJson } from "@handoff/protocol";
import type { useStoreApi } from "@xyflow/react";
import { useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { edgeCorridors } from "../canvas/edge-routes.ts";
import { createHighlightStore } from "../canvas/highlight-store.ts";
import { inputPorts } from "../canvas/input-ports.ts";
import { cardHandles } from "../canvas/known-handles.ts";
import { lineageRoles } from "../canvas/lineage.ts";
import { APPROX_NODE_SIZE, PORT_SPACING, cardMinHeight, farCardSize, usualCardSize } from "../canvas/overview.ts";
import { OVERVIEW_CANVAS_MIN_TASKS } from "../canvas/overview-canvas.tsx";
import { dagToFlow } from "./dag-to-flow.ts";
import { argIndexOfHandle, type ArgEdge, type TaskNode, type TaskNodeData } from "./flow-types.ts";
import { createStableFlowElements } from "./stable-flow-elements.ts";
import type { Selection } from "./use-editor-state.ts";

type Size = { width: number; height: number };

/** Above this many edges, edges keep their curves (routing them on every measurement would cost frames). */
const ROUTED_EDGES_MAX = 4_000;

/**
 * The editor's canvas objects, derived from the file: nodes (with the size they will measure when that is known
 * without the DOM), edges (with a corridor when a card stands in their way), and the lineage highlight of the
 * selection. Unchanged tasks keep their node and edge objects, so React Flow re-renders only what changed.
 */
export function useCanvasElements(file: DagFile, selection: Selection, inputsByFn: ReadonlyMap<string, FunctionInputs>, flowStore: ReturnType<typeof useStoreApi<TaskNode, ArgEdge>>) {
  const [measured, setMeasured] = useState<ReadonlyMap<string, Size>>(new Map());
  // Sizes given to cards before React Flow measured them; kept, since a correct guess is never reported
  // back as a measurement. Forgotten when another DAG is opened (`forgetGuesses`).
  const guessedSizes = useRef(new Map<string, Size>());
  const dataCache = useRef(new WeakMap<TaskJson, TaskNodeData>());
  const graph = useMemo(() => dagToFlow(file), [file]);
  const isPaintable = graph.nodes.length >= OVERVIEW_CANVAS_MIN_TASKS;
  const stable = useRef(createStableFlowElements());

  const nodes = useMemo(() => {
    // A card not measured yet is given the size it will have if that is known (far out, a plain box), so
    // opening a large DAG at its overview zoom renders its cards once instead of measuring them and
    // rendering them all again with their sizes (a wrong guess is corrected by React Flow's measurement).
    // A DAG painted far out also hands React Flow each card's handles (canvas/known-handles.ts): coming back
    // from the painted overview, only the cards in view mount.
    const { transform, nodeLookup } = flowStore.getState();
    return graph.nodes.map((node): TaskNode => {
      let data = dataCache.current.get(node.data.task);
      if (data === undefined) {
        data = node.data;
        dataCache.current.set(node.data.task, data);
      }
      const portIds = () => inputPorts(node.data.task, inputsByFn.get(node.data.task.fn), true).map((port) => port.id);
      let size = measured.get(node.id) ?? guessedSizes.current.get(node.id);
      if (size === undefined) {
        size = farCardSize(portIds().length, transform[2]);
        if (size !== undefined) guessedSizes.current.set(node.id, size);
      }
      const handlesOf = isPaintable ? () => cardHandles(node.id, portIds(), size ?? APPROX_NODE_SIZE, nodeLookup) : undefined;
      return stable.current.node(data === node.data ? node : { ...node, data }, selection.tasks.has(node.id), size, handlesOf);
    });
  }, [graph, selection, measured, inputsByFn, flowStore, isPaintable]);

  // Routing is skipped for very large DAGs (the layered auto-layout keeps their edges between neighbouring
  // columns). A DAG painted far out is routed from its cards' usual sizes, as a run is, not re-routed as its
  // cards are measured (each card mounted on zooming in, or landing from a jump, re-routed 2,000 edges), and
  // in a background render after it is drawn (its edges show only zoomed in).
  const deferredGraph = useDeferredValue(graph);
  const routedGraph = isPaintable ? deferredGraph : graph;
  const routedSizes = isPaintable ? null : measured;
  const corridors = useMemo(
    () =>
      routedGraph.edges.length > ROUTED_EDGES_MAX ? new Map<string, number>() : edgeCorridors(
        routedGraph.nodes.map((node) => ({
          id: node.id,
          position: node.position,
          size: routedSizes === null ? usualCardSize(inputPorts(node.data.task, inputsByFn.get(node.data.task.fn), true).length) : (routedSizes.get(node.id) ?? guessedSizes.current.get(node.id) ?? APPROX_NODE_SIZE),
        })),
        routedGraph.edges.map((edge) => ({ id: edge.id, source: edge.source, target: edge.target, portIndex: argIndexOfHandle(edge.targetHandle) ?? 0 })),
        PORT_SPACING,
      ),
    [routedGraph, routedSizes, inputsByFn],
  );
  const tasksById = useMemo(() => new Map(file.tasks.map((task) => [task.id, task])), [file]);
  const edges = useMemo(
    () => graph.edges.map((edge) => stable.current.edge(edge, tasksById.get(edge.target)!, selection.edges.has(edge.id), corridors.get(edge.id))),
    [graph, selection, tasksById, corridors],
  );

  // What feeds the selected tasks and what they feed stay lit; everything else fades.
  const [highlight] = useState(createHighlightStore);
  useEffect(() => {
    highlight.set(lineageRoles(file.tasks, selection.tasks));
  }, [file, selection, highlight]);

  // A DAG large enough to be painted far out is painted in its minimap at every zoom (canvas/painted-minimap.tsx).
  const overviewCards = useMemo(
    () => (isPaintable ? graph.nodes.map((node) => ({ id: node.id, x: node.position.x, y: node.position.y, width: APPROX_NODE_SIZE.width, height: cardMinHeight(1) })) : []),
    [graph, isPaintable],
  );

  const forgetGuesses = () => guessedSizes.current.clear();
  return { nodes, edges, overviewCards, highlight, setMeasured, forgetGuesses };
}
