"use client";
import { Handle, Position, useStore, useStoreApi, type NodeProps } from "@xyflow/react";
import { memo, useDeferredValue, useEffect, useRef } from "react";
import { OUTPUT_HANDLE, type TaskNode } from "../dag-editor/flow-types.ts";
import { elapsedMs, formatDuration } from "../../lib/format.ts";
import { taskStateStyle } from "../../lib/task-states.ts";
import { useNow } from "../../lib/use-now.ts";
import { useCanvasDecorations, useTaskRunFacts, type TaskRunFacts } from "./canvas-decorations.ts";
import { useBatchedUpdateNodeInternals } from "./batched-node-internals.ts";
import { useIsEdgeMeshHiddenForCards } from "./edge-mesh-hidden-context.ts";
import { useHighlightRole } from "./highlight-store.ts";
import { inputPorts } from "./input-ports.ts";
import type { LineageRole } from "./lineage.ts";
import { DETAIL_MIN_ZOOM, PORT_SPACING, cardMinHeight, zoomTier, type ZoomTier } from "./overview.ts";
import { PlacementChip } from "./placement-chip.tsx";
import { inlineBadgeText, placementLabel } from "./placement-label.ts";

export { DETAIL_MIN_ZOOM };
// A card re-renders when the zoom crosses a tier, not on every zoom step.
const selectZoomTier = (state: { transform: [number, number, number] }) => zoomTier(state.transform[2]);

const ROLE_CLASS: Record<LineageRole, string> = { focus: "lineage-focus", upstream: "lineage-up", downstream: "lineage-down", dim: "dimmed" };

/**
 * A card reads what can change for many cards at once (the zoom tier, the hidden edge mesh, its run facts, its
 * highlight role) and hands the card body deferred copies: crossing a zoom tier, a completion burst of 1,000
 * tasks or a lineage highlight then re-draws the cards in an interruptible background render, in slices
 * between frames, instead of one long task that freezes a pan or zoom. Selection stays immediate.
 */
function TaskNodeViewInner({ id, data, selected }: NodeProps<TaskNode>) {
  const decorations = useCanvasDecorations();
  const tier = useDeferredValue(useStore(selectZoomTier));
  const isMeshHidden = useDeferredValue(useIsEdgeMeshHiddenForCards());
  const facts = useDeferredValue(useTaskRunFacts(decorations.run, id));
  const role = useDeferredValue(useHighlightRole(id));
  return <TaskCard id={id} task={data.task} selected={selected} tier={tier} isMeshHidden={isMeshHidden} facts={facts} role={role} />;
}

interface TaskCardProps {
  readonly id: string;
  readonly task: TaskNode["data"]["task"];
  readonly selected: boolean;
  readonly tier: ZoomTier;
  readonly isMeshHidden: boolean;
  readonly facts: TaskRunFacts | undefined;
  readonly role: LineageRole | undefined;
}

const TaskCard = memo(function TaskCard({ id, task, selected, tier, isMeshHidden, facts, role }: TaskCardProps) {
  const decorations = useCanvasDecorations();
  const isRun = decorations.run !== null;
  const ports = inputPorts(task, decorations.inputsByFn.get(task.fn), !isRun);
  const problems = decorations.problems.get(id) ?? [];
  const placement = decorations.placement[id];
  // Far out with the edge mesh hidden nothing is attached to a card: it draws no handles.
  const isFar = tier === "far";
  const isBare = isMeshHidden && isFar;
  const updateNodeInternals = useBatchedUpdateNodeInternals();
  const flowStore = useStoreApi();
  const portKey = isBare ? "" : ports.map((port) => port.id).join(",");
  // React Flow measures a node when it mounts; re-measure only when the handles change afterwards (batched:
  // zooming in past the hidden mesh gives every visible card its handles in the same commit), or when a card
  // last measured without handles (bare, then scrolled away) mounts again with them.
  const measuredPorts = useRef(portKey);
  useEffect(() => {
    const isChanged = measuredPorts.current !== portKey;
    measuredPorts.current = portKey;
    const bounds = flowStore.getState().nodeLookup.get(id)?.internals.handleBounds;
    const isMeasuredBare = portKey !== "" && bounds !== undefined && (bounds.source ?? []).length === 0;
    if (isChanged || isMeasuredBare) updateNodeInternals(id);
  }, [id, portKey, updateNodeInternals, flowStore]);

  const style = facts === undefined ? null : taskStateStyle(facts.state);
  const classes = ["task-node"];
  if (selected) classes.push("selected");
  if (problems.length > 0) classes.push("has-problems");
  if (role !== undefined) classes.push(ROLE_CLASS[role]);
  const minHeight = cardMinHeight(ports.length);
  const handles = (
    <>
      {ports.map((port, index) => <Handle key={port.id} type="target" id={port.id} position={Position.Left} style={{ top: (index + 1) * PORT_SPACING + 4 }} />)}
      <Handle type="source" id={OUTPUT_HANDLE} position={Position.Right} />
    </>
  );

  if (isFar) {
    // Zoomed far out the text would be sub-pixel: a plain card in the state's colour paints far faster.
    classes.push("far");
    return (
      <div
        className={classes.join(" ")}
        style={{ minHeight, ...(style === null ? {} : { borderColor: style.color, background: `${style.color}33` }) }}
        data-testid={`task-node-${id}`}
        data-state={facts?.state}
        data-problems={problems.length}
        title={id}
      >
        {!isBare && handles}
      </div>
    );
  }

  if (tier === "mid-far" || tier === "mid") {
    // Middle zoom: the id and function only, in type large enough to read at this zoom (see overview.ts).
    classes.push("mid", tier);
    return (
      <div
        className={classes.join(" ")}
        style={{ minHeight, ...(style === null ? {} : { borderColor: style.color, background: `${style.color}22` }) }}
        data-testid={`task-node-${id}`}
        data-state={facts?.state}
        data-problems={problems.length}
        title={`${id} · ${task.fn}${style === null ? "" : ` · ${style.label}`}`}
      >
        {handles}
        <div className="task-node-label">{task.label ?? id}</div>
        <div className="task-node-label-fn">{task.fn}</div>
      </div>
    );
  }

  return (
    <div
      className={classes.join(" ")}
      style={{ minHeight, ...(style === null ? {} : { borderColor: style.color, boxShadow: selected ? `0 0 0 3px ${style.color}33` : undefined }) }}
      data-testid={`task-node-${id}`}
      data-state={facts?.state}
      data-problems={problems.length}
    >
      {ports.map((port, index) => {
        const top = (index + 1) * PORT_SPACING + 4;
        return (
          <div key={port.id}>
            <Handle type="target" id={port.id} position={Position.Left} style={{ top }} className={port.isNew ? "new-port" : undefined} title={port.isNew ? "connect a new input" : `input ${port.label}`} />
            <span className="port-label" style={{ top }}>
              {port.label}
            </span>
          </div>
        );
      })}
      <div className="task-node-head" style={{ paddingLeft: 42 }}>
        {style !== null && <span className="dot" style={{ background: style.color }} />}
        <span className="task-node-id" title={id}>
          {task.label ?? id}
        </span>
        {task.type === "inline" && <span className="chip">inline</span>}
      </div>
      <div className="task-node-fn" style={{ paddingLeft: 42 }} title={task.fn}>
        {task.fn}
      </div>
      <div className="task-node-foot" style={{ paddingLeft: 42 }}>
        {facts !== undefined && style !== null ? (
          <RunFacts facts={facts} label={style.label} color={style.color} />
        ) : (
          <>
            {Object.entries(task.cost ?? {}).map(([key, amount]) => (
              <span key={key} className="chip">
                {key} {amount}
              </span>
            ))}
            {placement !== undefined && <PlacementChip id={id} label={placementLabel(task, placement)} />}
          </>
        )}
      </div>
      {problems.length > 0 && (
        <div className="task-node-problem" title={problems.map((p) => p.message).join("\n")}>
          {problems[0]!.message}
          {problems.length > 1 ? ` (+${problems.length - 1})` : ""}
        </div>
      )}
      <Handle type="source" id={OUTPUT_HANDLE} position={Position.Right} />
    </div>
  );
});

function RunFacts({ facts, label, color }: { facts: TaskRunFacts; label: string; color: string }) {
  return (
    <>
      <RunFactsBadges facts={facts} label={label} color={color} />
      {facts.state === "running" && <ElapsedChip startedAt={facts.startedAt} />}
      {facts.machine !== null && <span className="chip" title="machine">@{facts.machine}</span>}
      {facts.resultMachine !== null && facts.state === "succeeded" && facts.resultMachine !== facts.machine && (
        <span className="chip" title="where the result lives">result @{facts.resultMachine}</span>
      )}
      {facts.reason !== null && (facts.state === "waiting_for_resources" || facts.state === "retrying") && (
        <span className="muted" style={{ fontSize: 11 }} title={facts.reason}>
          {facts.reason.length > 60 ? `${facts.reason.slice(0, 57)}…` : facts.reason}
        </span>
      )}
    </>
  );
}

/** Only running nodes tick, each on its own timer. */
function ElapsedChip({ startedAt }: { startedAt: string | null }) {
  const now = useNow(1000, true);
  return <span className="chip">{formatDuration(elapsedMs(startedAt, null, now))}</span>;
}

function RunFactsBadges({ facts, label, color }: { facts: TaskRunFacts; label: string; color: string }) {
  const retrying = facts.inlineIn === undefined && (facts.state === "retrying" || (facts.attempts > 1 && facts.state === "running"));
  return (
    <>
      <span className="badge" style={{ background: color }}>
        {facts.inlineIn !== undefined ? inlineBadgeText(facts.inlineIn) : facts.state === "retrying" ? `retrying ${facts.attempts}/${facts.maxAttempts}` : label}
      </span>
      {retrying && facts.state !== "retrying" && <span className="chip">{`${facts.attempts}/${facts.maxAttempts}`}</span>}
      {facts.reusedFrom !== undefined && facts.reusedFrom !== null && (
        <span className="chip chip-reused" data-testid="reused-badge" title={`reused from run ${facts.reusedFrom}: not run again, the value stayed where it was`}>
          reused
        </span>
      )}
    </>
  );
}

export const TaskNodeView = memo(TaskNodeViewInner);
