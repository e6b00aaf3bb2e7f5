"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useNodesState, type NodeMouseHandler } from "@xyflow/react";
import Link from "next/link";
import { Fragment, useMemo, useState } from "react";
import { elapsedMs, formatDuration } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { useNow } from "../../lib/use-now.ts";
import { CanvasDecorationsContext, type CanvasDecorations, type TaskRunFacts } from "../canvas/canvas-decorations.ts";
import { FitWhenReady } from "../canvas/fit-when-ready.tsx";
import { edgeTypes, nodeTypes } from "../canvas/flow-types-registry.ts";
import { autoLayout } from "../dag-editor/auto-layout.ts";
import { dagToFlow } from "../dag-editor/dag-to-flow.ts";
import type { ArgEdge, TaskNode } from "../dag-editor/flow-types.ts";
import { RunStatusBadge } from "./run-status-badge.tsx";
import { StateLegend, TaskCounts } from "./task-counts.tsx";
import { TaskPanel } from "./task-panel.tsx";
import { useLiveRun } from "./use-live-run.ts";

const TERMINAL_RUN = new Set(["succeeded", "failed", "cancelled", "rejected"]);

export function RunView({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const live = useLiveRun(runId);
  const run = live.run;
  const isActive = run !== null && !TERMINAL_RUN.has(run.status);
  const now = useNow(1000, isActive);
  const [selected, setSelected] = useState<string | null>(null);
  const cancel = useMutation(trpc.runs.cancel.mutationOptions());
  // Named input ports (e.g. std.identity's "value") are labelled as in the editor.
  const catalogue = useQuery(trpc.machines.catalogue.queryOptions(undefined, { staleTime: 60_000 }));
  const inputsByFn = useMemo(() => new Map((catalogue.data ?? []).map((entry) => [entry.fn.name, entry.fn.inputs])), [catalogue.data]);

  // The graph depends only on the run's file (the same object across events); live facts come through context.
  const file = run?.file ?? null;
  const graph = useMemo(() => {
    if (file === null) return { nodes: [] as TaskNode[], edges: [] as ArgEdge[] };
    const hasPositions = file.tasks.every((task) => task.position !== undefined);
    const positions = hasPositions ? null : autoLayout(file.tasks);
    return dagToFlow(file, (task) => positions?.get(task.id) ?? { x: 0, y: 0 });
  }, [file]);

  const decorations = useMemo<CanvasDecorations>(() => {
    const facts = new Map<string, TaskRunFacts>();
    for (const task of run?.tasks ?? []) {
      facts.set(task.taskId, {
        state: task.state,
        machine: task.machine,
        attempts: task.attempts,
        maxAttempts: task.maxAttempts,
        reason: task.reason,
        startedAt: task.startedAt,
        finishedAt: task.finishedAt,
        resultMachine: task.result?.machine ?? null,
      });
    }
    return { problems: new Map(), placement: {}, inputsByFn, run: facts, now };
  }, [run, now, inputsByFn]);

  const task = run?.tasks.find((candidate) => candidate.taskId === selected) ?? null;
  const counts = useMemo(() => {
    const result: Record<string, number> = {};
    for (const t of run?.tasks ?? []) result[t.state] = (result[t.state] ?? 0) + 1;
    return result;
  }, [run]);

  if (run === null) {
    return (
      <div className="page">
        {live.error !== null ? <p className="notice">Cannot watch run {runId}: {live.error}</p> : <p className="empty">Connecting to run {runId}…</p>}
      </div>
    );
  }
  const duration = run.durationMs ?? elapsedMs(run.startedAt, run.finishedAt, now);

  return (
    <div style={{ display: "flex", flexDirection: "column", height: "100%" }}>
      <div className="run-header" data-testid="run-header">
        <Link href="/runs" className="muted">
          Runs
        </Link>
        <span className="muted">/</span>
        <strong>{run.dagName ?? run.file.name}</strong>
        {run.dagVersion !== null && (
          <Link href={`/editor?dag=${encodeURIComponent(run.dagName ?? run.file.name)}&version=${run.dagVersion}`} className="muted">
            v{run.dagVersion}
          </Link>
        )}
        <RunStatusBadge status={run.status} />
        <TaskCounts counts={counts} />
        <span className="muted">{formatDuration(duration)}</span>
        {run.startedBy !== null && <span className="muted">by {run.startedBy}</span>}
        <span className="mono muted">{run.runId}</span>
        <span className="spacer" />
        {live.status !== "pending" && isActive && <span className="muted">stream: {live.status}</span>}
        {isActive && (
          <button type="button" className="btn btn-danger btn-small" disabled={cancel.isPending} onClick={() => cancel.mutate({ runId })} data-testid="cancel-run">
            {cancel.isPending ? "Cancelling…" : "Cancel run"}
          </button>
        )}
      </div>
      {cancel.error !== null && <p className="notice">{cancel.error.message}</p>}
      {run.outcome !== null && run.outcome.problems.length > 0 && (
        <div className="notice" style={{ margin: 8 }}>
          Rejected: {run.outcome.problems.map((problem) => problem.message).join("; ")}
        </div>
      )}
      <div className="run-view" style={{ flex: 1, minHeight: 0 }}>
        <div className="canvas" style={{ position: "relative" }}>
          <div style={{ position: "absolute", left: 10, top: 8, zIndex: 5, background: "rgba(255,255,255,.9)", padding: "4px 8px", borderRadius: 6 }}>
            <StateLegend />
          </div>
          <ReactFlowProvider>
            <CanvasDecorationsContext.Provider value={decorations}>
              <RunCanvas key={graph.nodes.map((n) => n.id).join("\u0000")} graph={graph} onSelect={setSelected} />
            </CanvasDecorationsContext.Provider>
          </ReactFlowProvider>
        </div>
        <aside className="editor-side right">
          {task === null ? (
            <div className="section stack">
              <h2>Run</h2>
              <dl className="kv">
                <dt>strategy</dt>
                <dd>{run.options.strategy ?? run.file.strategy ?? "first_available"}</dd>
                <dt>on failure</dt>
                <dd>{run.options.onFailure ?? run.file.onFailure ?? "fail_fast"}</dd>
                <dt>max retries</dt>
                <dd>{run.options.maxRetries ?? 3}</dd>
                {run.outcome !== null &&
                  run.outcome.failures.map((failure) => (
                    <Fragment key={failure.taskId}>
                      <dt>{failure.taskId}</dt>
                      <dd className="error">
                        {failure.kind}: {failure.message}
                      </dd>
                    </Fragment>
                  ))}
              </dl>
              <p className="muted">Select a task to see its attempts, logs and result.</p>
            </div>
          ) : (
            <TaskPanel key={task.taskId} runId={runId} task={task} logs={live.logs} now={now} />
          )}
        </aside>
      </div>
    </div>
  );
}

/** The run's DAG, read-only. React Flow owns the nodes so their measured sizes feed fitView and the minimap. */
function RunCanvas({ graph, onSelect }: { graph: { nodes: TaskNode[]; edges: ArgEdge[] }; onSelect: (taskId: string | null) => void }) {
  const [nodes, , onNodesChange] = useNodesState<TaskNode>(graph.nodes.map((node) => ({ ...node, draggable: false, connectable: false })));
  const onNodeClick: NodeMouseHandler<TaskNode> = (_event, node) => onSelect(node.id);
  return (
    <ReactFlow<TaskNode, ArgEdge>
      nodes={nodes}
      edges={graph.edges}
      onNodesChange={onNodesChange}
      nodeTypes={nodeTypes}
      edgeTypes={edgeTypes}
      onNodeClick={onNodeClick}
      onPaneClick={() => onSelect(null)}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable
      minZoom={0.1}
      maxZoom={1.5}
      proOptions={{ hideAttribution: true }}
    >
      <Background gap={16} size={1} />
      <Controls showInteractive={false} />
      <MiniMap pannable zoomable />
      <FitWhenReady request={0} />
    </ReactFlow>
  );
}
