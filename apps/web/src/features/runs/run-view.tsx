"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import Link from "next/link";
import { Fragment, useCallback, useEffect, useMemo, useState } from "react";
import { failureText } from "../../lib/failure-text.ts";
import { formatDuration } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc/trpc.ts";
import { useNow } from "../../lib/use-now.ts";
import { CanvasDecorationsContext, type CanvasDecorations } from "../canvas/canvas-decorations.ts";
import { fitViewportFor } from "../canvas/overview.ts";
import { createRunFactsStore } from "../canvas/run-facts-store.ts";
import { dagToFlow } from "../dag-editor/dag-to-flow.ts";
import { useAutoLayout } from "../dag-editor/use-auto-layout.ts";
import type { ArgEdge, TaskNode } from "../dag-editor/flow-types.ts";
import { RunCanvas } from "./run-canvas.tsx";
import { isRunLive } from "./run-liveness.ts";
import { RunStatusBadge } from "./run-status-badge.tsx";
import { StateLegend, TaskCounts } from "./task-counts.tsx";
import { RunTimeline } from "./run-timeline.tsx";
import { TaskPanel } from "./task-panel.tsx";
import { useLiveRun } from "./use-live-run.ts";
import { runDurationMs } from "../../lib/run-duration.ts";
import type { TaskView } from "../../lib/trpc/api-types.ts";
import { InlineTaskPanel } from "./inline-task-panel.tsx";
import { createInlineDerivation } from "./inline-tasks.ts";
import { RunParamsLine } from "./run-params-line.tsx";
import { EdgeTransfersContext } from "../canvas/edge-transfers-context.ts";
import { RerunControls, RerunFromHere, RunOrigin } from "./rerun-controls.tsx";
import { RunDataPanel, useRunTransfers } from "./run-data-panel.tsx";

export function RunView({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const live = useLiveRun(runId);
  const run = live.run;
  const isActive = run !== null && isRunLive(run.status);
  const now = useNow(1000, isActive);
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<"graph" | "timeline">("graph");
  const cancel = useMutation(trpc.runs.cancel.mutationOptions());
  const transfers = useRunTransfers(runId, isActive);
  // Named input ports (e.g. std.identity's "value") are labelled as in the editor.
  const catalogue = useQuery(trpc.machines.catalogue.queryOptions(undefined, { staleTime: 60_000 }));
  const inputsByFn = useMemo(() => new Map((catalogue.data ?? []).map((entry) => [entry.fn.name, entry.fn.inputs])), [catalogue.data]);

  // The graph depends only on the run's file (the same object across events); live facts come through context.
  const file = run?.file ?? null;
  const needsLayout = file !== null && !file.tasks.every((task) => task.position !== undefined);
  // Laid out off the main thread (a Web Worker) when the file carries no positions.
  const positions = useAutoLayout(needsLayout ? file.tasks : null);
  const graph = useMemo(() => {
    if (file === null || (needsLayout && positions === null)) return { nodes: [] as TaskNode[], edges: [] as ArgEdge[] };
    return dagToFlow(file, (task) => positions?.get(task.id) ?? { x: 0, y: 0 });
  }, [file, needsLayout, positions]);

  // Nodes subscribe to their own task's facts: a batch of events re-renders only the nodes it changed.
  const [factsStore] = useState(createRunFactsStore);
  // Inline tasks never change state: they are shown through the consumers that evaluate them.
  const deriveInline = useMemo(() => (file === null ? null : createInlineDerivation<TaskView>(file)), [file]);
  const tasks = useMemo(() => (run === null || deriveInline === null ? undefined : deriveInline(run.tasks)), [run, deriveInline]);
  useEffect(() => {
    if (tasks !== undefined) factsStore.update(tasks);
  }, [tasks, factsStore]);
  const decorations = useMemo<CanvasDecorations>(() => ({ problems: new Map(), placement: {}, inputsByFn, run: factsStore }), [inputsByFn, factsStore]);
  const canvasKey = useMemo(() => graphKey(graph.nodes), [graph]);
  // The pane's size, so a large DAG opens at its overview zoom on the first render.
  const [paneSize, setPaneSize] = useState<{ width: number; height: number } | null>(null);
  // Measured once, when the pane mounts (a callback ref runs in the commit, before paint, like a layout effect).
  const canvasRef = useCallback((element: HTMLDivElement | null) => {
    if (element !== null) setPaneSize((size) => size ?? { width: element.clientWidth, height: element.clientHeight });
  }, []);
  const initialViewport = useMemo(() => (paneSize === null ? null : fitViewportFor(graph.nodes.map((node) => node.position), paneSize.width, paneSize.height)), [graph, paneSize]);

  const task = tasks?.find((candidate) => candidate.taskId === selected) ?? null;
  // The failed tasks' ids, as one array that keeps its identity while the set is unchanged.
  const failedKey = (run?.tasks ?? []).filter((t) => t.state === "failed").map((t) => t.taskId).join("\u0000");
  const failed = useMemo(() => (failedKey === "" ? [] : failedKey.split("\u0000")), [failedKey]);
  const counts = useMemo(() => {
    const result: Record<string, number> = {};
    for (const t of run?.tasks ?? []) {
      const key = t.inline ? "inline" : t.state;
      result[key] = (result[key] ?? 0) + 1;
    }
    return result;
  }, [run]);

  if (run === null) {
    return (
      <div className="page">
        {live.error !== null ? <p className="notice">Cannot watch run {runId}: {live.error}</p> : <p className="empty">Connecting to run {runId}…</p>}
      </div>
    );
  }
  const duration = runDurationMs(run, now);

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
        <span className="muted" data-testid="run-duration" title="from the run's start to its end">
          {formatDuration(duration)}
        </span>
        {run.startedBy !== null && <span className="muted">by {run.startedBy}</span>}
        <RunParamsLine params={run.params} />
        <RunOrigin parentRunId={run.parentRunId} reason={run.reason} triggerId={run.triggerId} dagName={run.dagName} />
        <span className="mono muted">{run.runId}</span>
        <span className="spacer" />
        {live.status !== "pending" && isActive && <span className="muted">stream: {live.status}</span>}
        <Link className="btn btn-small" href={`/editor?run=${encodeURIComponent(runId)}`} data-testid="open-in-editor" title="Open exactly the DAG this run ran: its saved version, or its file as a new DAG">
          Open in editor
        </Link>
        {isActive && (
          <button type="button" className="btn btn-danger btn-small" disabled={cancel.isPending} onClick={() => cancel.mutate({ runId })} data-testid="cancel-run">
            {cancel.isPending ? "Cancelling…" : "Cancel run"}
          </button>
        )}
        {!isActive && <RerunControls runId={runId} hasUnsucceeded={run.tasks.some((t) => !t.inline && t.state !== "succeeded")} />}
      </div>
      {cancel.error !== null && <p className="notice">{cancel.error.message}</p>}
      {run.outcome !== null && run.outcome.problems.length > 0 && (
        <div className="notice" style={{ margin: 8 }}>
          Rejected: {run.outcome.problems.map((problem) => problem.message).join("; ")}
        </div>
      )}
      <div className="run-view" style={{ flex: 1, minHeight: 0 }}>
        <div style={{ display: "flex", flexDirection: "column", minHeight: 0 }}>
          <div className="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === "graph"} className={tab === "graph" ? "tab active" : "tab"} onClick={() => setTab("graph")} data-testid="tab-graph">
              Graph
            </button>
            <button type="button" role="tab" aria-selected={tab === "timeline"} className={tab === "timeline" ? "tab active" : "tab"} onClick={() => setTab("timeline")} data-testid="tab-timeline">
              Timeline
            </button>
          </div>
          {tab === "graph" ? (
            <div className="canvas" style={{ position: "relative" }} ref={canvasRef} data-testid="run-canvas">
              <div style={{ position: "absolute", left: 10, top: 8, zIndex: 5, background: "rgba(255,255,255,.9)", padding: "4px 8px", borderRadius: 6 }}>
                <StateLegend />
              </div>
              {(graph.nodes.length === 0 && file !== null && file.tasks.length > 0) || paneSize === null ? (
                <p className="empty">Laying out {run.file.tasks.length} tasks…</p>
              ) : (
                <ReactFlowProvider>
                  <CanvasDecorationsContext.Provider value={decorations}>
                    <EdgeTransfersContext.Provider value={transfers.edges}>
                      <RunCanvas key={canvasKey} graph={graph} selected={selected} onSelect={setSelected} failed={failed} initialViewport={initialViewport} inputsByFn={inputsByFn} />
                    </EdgeTransfersContext.Provider>
                  </CanvasDecorationsContext.Provider>
                </ReactFlowProvider>
              )}
            </div>
          ) : (
            <div style={{ flex: 1, minHeight: 0, overflow: "auto" }}>
              <RunTimeline runId={runId} isActive={isActive} finishedAt={run.finishedAt} tasks={run.file.tasks} selected={selected} onSelect={setSelected} now={now} />
            </div>
          )}
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
                      <dd className="error" data-testid={`run-failure-${failure.taskId}`}>
                        {failureText(failure.kind, failure.message)}
                      </dd>
                    </Fragment>
                  ))}
              </dl>
              <p className="muted">Select a task to see its attempts, logs and result.</p>
              <RunDataPanel tasks={run.tasks} moved={transfers.machines} />
            </div>
          ) : task.inline ? (
            <InlineTaskPanel key={task.taskId} runId={runId} task={task} tasks={tasks ?? []} now={now} />
          ) : (
            <>
              <TaskPanel key={task.taskId} runId={runId} task={task} cost={run.file.tasks.find((candidate) => candidate.id === task.taskId)?.cost} logs={live.logs} now={now} />
              {!isActive && <RerunFromHere key={`rerun-${task.taskId}`} runId={runId} taskId={task.taskId} />}
            </>
          )}
        </aside>
      </div>
    </div>
  );
}

function graphKey(nodes: readonly TaskNode[]): string {
  return nodes.map((n) => n.id).join("\u0000");
}
