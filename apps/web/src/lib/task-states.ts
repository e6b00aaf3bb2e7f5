import { TaskState } from "@handoff/core";

/** Every task state in the order a task usually passes through them, with the words and colour the UI uses. */
export const TASK_STATES: readonly TaskState[] = [
  TaskState.WaitingForDependencies,
  TaskState.WaitingForResources,
  TaskState.Running,
  TaskState.Retrying,
  TaskState.Succeeded,
  TaskState.Failed,
  TaskState.Cancelled,
  TaskState.UpstreamFailed,
];

export interface TaskStateStyle {
  readonly label: string;
  /** A CSS colour; the same one marks the node border, the badge and the legend. */
  readonly color: string;
  readonly isTerminal: boolean;
}

export function taskStateStyle(state: TaskState): TaskStateStyle {
  switch (state) {
    case TaskState.WaitingForDependencies:
      return { label: "waiting for dependencies", color: "#8a94a6", isTerminal: false };
    case TaskState.WaitingForResources:
      return { label: "waiting for resources", color: "#c98a1b", isTerminal: false };
    case TaskState.Running:
      return { label: "running", color: "#2f6fdf", isTerminal: false };
    case TaskState.Retrying:
      return { label: "retrying", color: "#9b5de5", isTerminal: false };
    case TaskState.Succeeded:
      return { label: "succeeded", color: "#1f9d55", isTerminal: true };
    case TaskState.Failed:
      return { label: "failed", color: "#d64545", isTerminal: true };
    case TaskState.Cancelled:
      return { label: "cancelled", color: "#5f6b7a", isTerminal: true };
    case TaskState.UpstreamFailed:
      return { label: "upstream failed", color: "#e07b53", isTerminal: true };
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

export function isTaskState(value: string): value is TaskState {
  return (TASK_STATES as readonly string[]).includes(value);
}
