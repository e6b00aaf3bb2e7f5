"use client";
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { memo, useEffect } from "react";
import { OUTPUT_HANDLE, type TaskNode } from "../dag-editor/flow-types.ts";
import { elapsedMs, formatDuration } from "../../lib/format.ts";
import { taskStateStyle } from "../../lib/task-states.ts";
import { useCanvasDecorations, type TaskRunFacts } from "./canvas-decorations.ts";
import { inputPorts } from "./input-ports.ts";

const PORT_SPACING = 16;

function TaskNodeViewInner({ id, data, selected }: NodeProps<TaskNode>) {
  const { task } = data;
  const decorations = useCanvasDecorations();
  const isRun = decorations.run !== null;
  const ports = inputPorts(task, decorations.inputsByFn.get(task.fn), !isRun);
  const problems = decorations.problems.get(id) ?? [];
  const placement = decorations.placement[id];
  const facts = decorations.run?.get(id);
  const updateNodeInternals = useUpdateNodeInternals();
  const portKey = ports.map((port) => port.id).join(",");
  useEffect(() => updateNodeInternals(id), [id, portKey, updateNodeInternals]);

  const style = facts === undefined ? null : taskStateStyle(facts.state);
  const classes = ["task-node"];
  if (selected) classes.push("selected");
  if (problems.length > 0) classes.push("has-problems");
  const minHeight = Math.max(64, (ports.length + 1) * PORT_SPACING);

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
          <RunFacts facts={facts} label={style.label} color={style.color} now={decorations.now} />
        ) : (
          <>
            {Object.entries(task.cost ?? {}).map(([key, amount]) => (
              <span key={key} className="chip">
                {key} {amount}
              </span>
            ))}
            {placement !== undefined && (
              <span className="chip" title={placement.reason ?? "where this task would run now"} data-testid={`placement-${id}`} style={{ color: placement.machine === null ? "var(--danger)" : "var(--accent)" }}>
                → {placement.machine ?? "no machine"}
              </span>
            )}
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
}

function RunFacts({ facts, label, color, now }: { facts: TaskRunFacts; label: string; color: string; now: number }) {
  const retrying = facts.state === "retrying" || (facts.attempts > 1 && facts.state === "running");
  return (
    <>
      <span className="badge" style={{ background: color }}>
        {facts.state === "retrying" ? `retrying ${facts.attempts}/${facts.maxAttempts}` : label}
      </span>
      {retrying && facts.state !== "retrying" && <span className="chip">{`${facts.attempts}/${facts.maxAttempts}`}</span>}
      {facts.state === "running" && <span className="chip">{formatDuration(elapsedMs(facts.startedAt, null, now))}</span>}
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

export const TaskNodeView = memo(TaskNodeViewInner);
