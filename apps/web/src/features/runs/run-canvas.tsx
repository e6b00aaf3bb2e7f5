"use client";
import { Controls, MiniMap, ReactFlow, applyNodeChanges, useReactFlow, useStoreApi, type NodeChange, type NodeMouseHandler, type Viewport } from "@xyflow/react";
import { memo, useCallback, useEffect, useMemo, useState } from "react";
import { CanvasGrid } from "../canvas/canvas-grid.tsx";
import { useCanvasDecorations, type CanvasDecorations } from "../canvas/canvas-decorations.ts";
import { edgeCorridors } from "../canvas/edge-routes.ts";
import { EdgeMeshHiddenContext } from "../canvas/edge-mesh-hidden-context.ts";
import { FindTaskPalette, useJumpToTask } from "../canvas/find-task-palette.tsx";
import { FitWhenReady } from "../canvas/fit-when-ready.tsx";
import { edgeTypes, nodeTypes } from "../canvas/flow-types-registry.ts";
import { HighlightStoreContext, createHighlightStore } from "../canvas/highlight-store.ts";
import { inputPorts } from "../canvas/input-ports.ts";
import { cardHandles, withMeasuredHandles } from "../canvas/known-handles.ts";
import { lineageRoles } from "../canvas/lineage.ts";
import { APPROX_NODE_SIZE, MIN_ZOOM, PORT_SPACING, cardMinHeight, farCardSize, usualCardSize } from "../canvas/overview.ts";
import { OVERVIEW_CANVAS_MIN_TASKS, OverviewCanvas, overviewCardAt, useIsOverviewPainted } from "../canvas/overview-canvas.tsx";
import { PaintedMiniMap } from "../canvas/painted-minimap.tsx";
import { useEdgeMeshHidden } from "../canvas/use-edge-mesh-hidden.ts";
import { taskStateStyle } from "../../lib/task-states.ts";
import { argIndexOfHandle, type ArgEdge, type TaskNode } from "../dag-editor/flow-types.ts";

// Hidden edges are not handed to React Flow at all: 2,000 edge components cost a render even when invisible.
const NO_EDGES: ArgEdge[] = [];
const NO_NODES: TaskNode[] = [];

export interface RunCanvasProps {
  readonly graph: { nodes: TaskNode[]; edges: ArgEdge[] };
  readonly selected: string | null;
  readonly onSelect: (taskId: string | null) => void;
  /** Tasks that failed (not those that were skipped because of them): what "Show failures" highlights. */
  readonly failed: readonly string[];
  readonly initialViewport: Viewport | null;
  readonly inputsByFn: CanvasDecorations["inputsByFn"];
}

/**
 * The run's DAG, read-only. React Flow owns the nodes so their measured sizes feed fitView and the minimap.
 * The selection's lineage is highlighted; "Show failures" highlights the failed tasks, what they read and
 * what they stopped, and fits them in view; Ctrl+K finds a task.
 */
export const RunCanvas = memo(function RunCanvas({ graph, selected, onSelect, failed, initialViewport, inputsByFn }: RunCanvasProps) {
  // Opened far out, cards get their known plain-box size up front: no measuring pass re-renders all of them.
  // A run painted far out also gives each card its handles (canvas/known-handles.ts): coming back from the
  // painted overview, only the cards in view mount.
  const isPaintable = graph.nodes.length >= OVERVIEW_CANVAS_MIN_TASKS;
  const flowStore = useStoreApi<TaskNode, ArgEdge>();
  const [nodes, setNodes] = useState<TaskNode[]>(() =>
    graph.nodes.map((node) => {
      const ports = inputPorts(node.data.task, inputsByFn.get(node.data.task.fn), false);
      const size = initialViewport === null ? undefined : farCardSize(ports.length, initialViewport.zoom);
      const handles = isPaintable ? cardHandles(node.id, ports.map((port) => port.id), size ?? APPROX_NODE_SIZE, flowStore.getState().nodeLookup) : undefined;
      return { ...node, draggable: false, connectable: false, ...(size === undefined ? {} : { measured: size }), ...(handles === undefined ? {} : { handles }) };
    }),
  );
  // A node object made new by a change takes the handles React Flow measured (not the first estimate).
  const updateNodes = useCallback((update: (current: TaskNode[]) => TaskNode[]) => setNodes((current) => withMeasuredHandles(update(current), current, flowStore.getState().nodeLookup)), [flowStore]);
  const onNodesChange = useCallback((changes: NodeChange<TaskNode>[]) => updateNodes((current) => applyNodeChanges(changes, current)), [updateNodes]);
  // The graph never changes while the run is shown: edge corridors are found once, from the cards' usual sizes.
  const edges = useMemo(() => {
    const corridors = edgeCorridors(
      graph.nodes.map((node) => ({ id: node.id, position: node.position, size: usualCardSize(inputPorts(node.data.task, inputsByFn.get(node.data.task.fn), false).length) })),
      graph.edges.map((edge) => ({ id: edge.id, source: edge.source, target: edge.target, portIndex: argIndexOfHandle(edge.targetHandle) ?? 0 })),
      PORT_SPACING,
    );
    return graph.edges.map((edge) => {
      const corridorY = corridors.get(edge.id);
      return corridorY === undefined || edge.data === undefined ? edge : { ...edge, data: { ...edge.data, corridorY } };
    });
  }, [graph, inputsByFn]);

  const [showFailures, setShowFailures] = useState(false);
  const [highlight] = useState(createHighlightStore);
  const tasks = useMemo(() => graph.nodes.map((node) => node.data.task), [graph]);
  useEffect(() => {
    const focus = showFailures ? new Set(failed) : new Set(selected === null ? [] : [selected]);
    highlight.set(lineageRoles(tasks, focus));
  }, [tasks, selected, failed, showFailures, highlight]);

  // A selection made outside the canvas (the finder, the timeline) selects the node too.
  useEffect(() => {
    updateNodes((current) => current.map((node) => ((node.id === selected) === (node.selected === true) ? node : { ...node, selected: node.id === selected })));
  }, [selected, updateNodes]);

  const flow = useReactFlow();
  const positions = useMemo(() => new Map(graph.nodes.map((node) => [node.id, node.position])), [graph]);
  const { jumpToTask, isPaintedJump } = useJumpToTask(useCallback((taskId: string) => positions.get(taskId), [positions]), graph.nodes.length);
  const toggleFailures = () => {
    const next = !showFailures;
    setShowFailures(next);
    if (next && failed.length > 0) void flow.fitView({ nodes: failed.map((id) => ({ id })), padding: 0.3, maxZoom: 1.2, duration: 250 });
  };
  const findable = useMemo(() => tasks.map((task) => ({ id: task.id, fn: task.fn, label: task.label })), [tasks]);
  const onNodeClick: NodeMouseHandler<TaskNode> = (_event, node) => onSelect(node.id);
  const isMeshHidden = useEdgeMeshHidden(edges.length);
  // Far out, a very large run is painted in its tasks' state colours instead of drawn as cards.
  const isOverviewPainted = useIsOverviewPainted(graph.nodes.length) || isPaintedJump;
  const facts = useCanvasDecorations().run;
  const overviewCards = useMemo(() => graph.nodes.map((node) => ({ id: node.id, x: node.position.x, y: node.position.y, width: APPROX_NODE_SIZE.width, height: cardMinHeight(1) })), [graph]);
  const fillOf = useCallback((taskId: string) => {
    const state = facts?.get(taskId)?.state;
    return state === undefined ? undefined : taskStateStyle(state).color;
  }, [facts]);
  const subscribeFacts = useCallback((listener: () => void) => facts?.subscribeAll(listener) ?? (() => undefined), [facts]);
  return (
    <HighlightStoreContext.Provider value={highlight}>
      <FindTaskPalette tasks={findable} onPick={(taskId) => { onSelect(taskId); jumpToTask(taskId); }}>
        <button type="button" className={showFailures ? "btn btn-small btn-danger" : "btn btn-small"} aria-pressed={showFailures} onClick={toggleFailures} disabled={failed.length === 0 && !showFailures} data-testid="show-failures" title="Highlight the failed tasks, what they read and what they stopped">
          {failed.length === 0 ? "No failures" : showFailures ? `Showing ${failed.length} failure${failed.length === 1 ? "" : "s"}` : `Show failures (${failed.length})`}
        </button>
      </FindTaskPalette>
      {isMeshHidden && <span className="canvas-hint">{edges.length} edges hidden at this zoom — zoom in to see them</span>}
      <EdgeMeshHiddenContext.Provider value={isMeshHidden}>
        <ReactFlow<TaskNode, ArgEdge>
          className={isMeshHidden ? "edges-hidden" : undefined}
          {...(initialViewport === null ? {} : { defaultViewport: initialViewport })}
          nodes={isOverviewPainted ? NO_NODES : nodes}
          edges={isMeshHidden || isOverviewPainted ? NO_EDGES : edges}
          onNodesChange={onNodesChange}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodeClick={onNodeClick}
          onPaneClick={(event) => {
            // In the painted overview a click on a card selects that task and jumps to it (there are no card elements).
            const hit = isOverviewPainted ? overviewCardAt(overviewCards, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY })) : undefined;
            onSelect(hit?.id ?? null);
            if (hit !== undefined) jumpToTask(hit.id);
          }}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable
          onlyRenderVisibleElements
          minZoom={MIN_ZOOM}
          maxZoom={1.5}
          proOptions={{ hideAttribution: true }}
        >
          <CanvasGrid isOverviewPainted={isOverviewPainted} />
          <Controls showInteractive={false} />
          {graph.nodes.length >= OVERVIEW_CANVAS_MIN_TASKS ? <PaintedMiniMap cards={overviewCards} fillOf={fillOf} subscribe={subscribeFacts} /> : <MiniMap pannable zoomable />}
          {isOverviewPainted && <OverviewCanvas cards={overviewCards} edges={edges} fillOf={fillOf} subscribe={subscribeFacts} />}
          {graph.nodes.length < OVERVIEW_CANVAS_MIN_TASKS && <FitWhenReady request={0} />}
        </ReactFlow>
      </EdgeMeshHiddenContext.Provider>
    </HighlightStoreContext.Provider>
  );
});
