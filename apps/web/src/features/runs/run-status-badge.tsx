import { isTaskState, runStatusColor, taskStateStyle } from "../../lib/task-states.ts";

export function RunStatusBadge({ status }: { status: string }) {
  return (
    <span className="badge" style={{ background: runStatusColor(status) }} data-testid="run-status">
      {status}
    </span>
  );
}

export function TaskStateBadge({ state, attempts, maxAttempts }: { state: string; attempts?: number; maxAttempts?: number }) {
  if (!isTaskState(state)) return <span className="badge" style={{ background: "#8a94a6" }}>{state}</span>;
  const style = taskStateStyle(state);
  const label = state === "retrying" && attempts !== undefined && maxAttempts !== undefined ? `retrying ${attempts}/${maxAttempts}` : style.label;
  return (
    <span className="badge" style={{ background: style.color }}>
      {label}
    </span>
  );
}
