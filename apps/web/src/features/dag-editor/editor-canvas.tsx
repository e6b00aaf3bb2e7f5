"use client";
import type { TaskJson } from "@handoff/protocol";
import { Controls, MiniMap, ReactFlow, useReactFlow, type Connection, type EdgeChange, type NodeChange } from "@xyflow/react";
import { useCallback, useMemo } from "react";
import { CanvasGrid } from "../canvas/canvas-grid.tsx";
import { CanvasDecorationsContext, type CanvasDecorations } from "../canvas/canvas-decorations.ts";
import { EdgeMeshHiddenContext } from "../canvas/edge-mesh-hidden-context.ts";
import { FindTaskPalette } from "../canvas/find-task-palette.tsx";
import { FitWhenReady } from "../canvas/fit-when-ready.tsx";
import { edgeTypes, nodeTypes } from "../canvas/flow-types-registry.ts";
import { HighlightStoreContext, type HighlightStore } from "../canvas/highlight-store.ts";
import { MIN_ZOOM } from "../canvas/overview.ts";
import { OVERVIEW_CANVAS_MIN_TASKS, OverviewCanvas, overviewCardAt, type OverviewCard } from "../canvas/overview-canvas.tsx";
import { PaintedMiniMap } from "../canvas/painted-minimap.tsx";
import { useEdgeMeshHidden } from "../canvas/use-edge-mesh-hidden.ts";
import type { ArgEdge, TaskNode } from "./flow-types.ts";

// At overview zoom a large DAG's edges are not handed to React Flow (see canvas/overview.ts).
const NO_EDGES: ArgEdge[] = [];
// Far out, a very large DAG is painted (canvas/overview-canvas.tsx) and React Flow holds no cards.
const NO_NODES: TaskNode[] = [];
const PROBLEM_FILL = "#d64545";

export interface EditorCanvasProps {
  readonly tasks: readonly TaskJson[];
  readonly nodes: TaskNode[];
  readonly edges: ArgEdge[];
  readonly isOverviewPainted: boolean;
  readonly overviewCards: readonly OverviewCard[];
  readonly decorations: CanvasDecorations;
  readonly highlight: HighlightStore;
  readonly fitRequest: number;
  readonly onNodesChange: (changes: NodeChange<TaskNode>[]) => void;
  readonly onEdgesChange: (changes: EdgeChange<ArgEdge>[]) => void;
  readonly onConnect: (connection: Connection) => void;
  readonly onDelete: (deleted: { nodes: TaskNode[]; edges: ArgEdge[] }) => void;
  /** Selects a task and centres it (the finder, a click in the painted overview). */
  readonly onFind: (taskId: string) => void;
}

/** The editor's React Flow canvas with its finder (Ctrl+K), lineage highlight and painted overview. */
export function EditorCanvas(props: EditorCanvasProps) {
  const { tasks, nodes, edges, isOverviewPainted, overviewCards, decorations, highlight, fitRequest, onFind } = props;
  const flow = useReactFlow<TaskNode, ArgEdge>();
  const isMeshHidden = useEdgeMeshHidden(edges.length);
  const findable = useMemo(() => tasks.map((task) => ({ id: task.id, fn: task.fn, label: task.label })), [tasks]);
  // Painted, a card with problems is filled in the danger colour (a DOM card's border).
  const problemFill = useCallback((taskId: string) => ((decorations.problems.get(taskId)?.length ?? 0) > 0 ? PROBLEM_FILL : undefined), [decorations.problems]);
  return (
    <>
      <FindTaskPalette tasks={findable} onPick={onFind} />
      {isMeshHidden && <span className="canvas-hint">{edges.length} edges hidden at this zoom — zoom in to see them</span>}
      <CanvasDecorationsContext.Provider value={decorations}>
        <HighlightStoreContext.Provider value={highlight}>
          <EdgeMeshHiddenContext.Provider value={isMeshHidden}>
            <ReactFlow<TaskNode, ArgEdge>
              nodes={isOverviewPainted ? NO_NODES : nodes}
              edges={isMeshHidden || isOverviewPainted ? NO_EDGES : edges}
              onPaneClick={(event) => {
                // In the painted overview a click on a card finds it (there are no card elements to click).
                if (!isOverviewPainted) return;
                const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
                const hit = overviewCardAt(overviewCards, at);
                if (hit !== undefined) onFind(hit.id);
              }}
              nodeTypes={nodeTypes}
              edgeTypes={edgeTypes}
              onNodesChange={props.onNodesChange}
              onEdgesChange={props.onEdgesChange}
              onConnect={props.onConnect}
              onDelete={props.onDelete}
              deleteKeyCode={["Delete", "Backspace"]}
              defaultViewport={{ x: 40, y: 40, zoom: 1 }}
              minZoom={MIN_ZOOM}
              className={isMeshHidden ? "edges-hidden" : undefined}
              maxZoom={1.5}
              onlyRenderVisibleElements
              proOptions={{ hideAttribution: true }}
            >
              <CanvasGrid isOverviewPainted={isOverviewPainted} />
              <Controls />
              {tasks.length >= OVERVIEW_CANVAS_MIN_TASKS ? <PaintedMiniMap cards={overviewCards} fillOf={problemFill} /> : <MiniMap pannable zoomable />}
              {isOverviewPainted && <OverviewCanvas cards={overviewCards} edges={edges} fillOf={problemFill} />}
              {/* A painted-overview DAG was fitted from its positions when opened (it has no measured cards to fit). */}
              {fitRequest > 0 && tasks.length < OVERVIEW_CANVAS_MIN_TASKS && <FitWhenReady request={fitRequest} />}
            </ReactFlow>
          </EdgeMeshHiddenContext.Provider>
        </HighlightStoreContext.Provider>
      </CanvasDecorationsContext.Provider>
    </>
  );
}
