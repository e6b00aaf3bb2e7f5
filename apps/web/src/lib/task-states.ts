import { TaskState, isTerminalTaskState } from "@handoff/core";

/** Every task state, in the order a task usually passes through them (core's one list). */
export { TASK_STATES, isTaskState } from "@handoff/core";

export interface TaskStateStyle {
  readonly label: string;
  /** A CSS colour; the same one marks the node border, the badge and the legend. */
  readonly color: string;
  readonly isTerminal: boolean;
}

export function taskStateStyle(state: TaskState): TaskStateStyle {
  return { ...taskStateLook(state), isTerminal: isTerminalTaskState(state) };
}

function taskStateLook(state: TaskState): Omit<TaskStateStyle, "isTerminal"> {
  switch (state) {
    case TaskState.WaitingForDependencies:
      return { label: "waiting for dependencies", color: "#8a94a6" };
    case TaskState.WaitingForResources:
      return { label: "waiting for resources", color: "#c98a1b" };
    case TaskState.Running:
      return { label: "running", color: "#2f6fdf" };
    case TaskState.Retrying:
      return { label: "retrying", color: "#9b5de5" };
    case TaskState.Succeeded:
      return { label: "succeeded", color: "#1f9d55" };
    case TaskState.Failed:
      return { label: "failed", color: "#d64545" };
    case TaskState.Cancelled:
      return { label: "cancelled", color: "#5f6b7a" };
    case TaskState.UpstreamFailed:
      return { label: "upstream failed", color: "#e07b53" };
  }
}

/** Run statuses (a run is `running` until its outcome says otherwise). */
export function runStatusColor(status: string): string {
  switch (status) {
    case "succeeded":
      return "#1f9d55";
    case "failed":
    case "rejected":
      return "#d64545";
    case "cancelled":
      return "#5f6b7a";
    case "running":
      return "#2f6fdf";
    default:
      return "#8a94a6";
  }
}
