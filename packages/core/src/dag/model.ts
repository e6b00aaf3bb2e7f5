/**
 * The DAG model every part of Handoff shares: what the editor draws, what the SDK builds, what the
 * scheduler runs. Plain data only (no functions, no classes) so it crosses the wire unchanged.
 */
import type { RetryableErrorKind } from "../errors.ts";
import type { FunctionName, MachineName, TaskId } from "./names.ts";

export type { FunctionName, MachineName, TaskId } from "./names.ts";

/** A resource map such as `{ cpu: 2, memory: 4000, gpu: 1 }`; any numeric key is allowed. */
export type Resources = Readonly<Record<string, number>>;

/** The implicit resource every task claims one of; a machine's `slots` is its executor pool size. */
export const SLOTS = "slots";

export const ArgumentInclusion = { Variadic: "variadic", AsList: "as_list" } as const;
export type ArgumentInclusion = (typeof ArgumentInclusion)[keyof typeof ArgumentInclusion];

export const TaskType = { Regular: "regular", Inline: "inline" } as const;
export type TaskType = (typeof TaskType)[keyof typeof TaskType];

/**
 * A step of an edge: a registered function called as
 * `fn(value, sourceMachine, targetMachine, ...args)`.
 */
export interface EdgeTransform {
  readonly fn: FunctionName;
  readonly args?: readonly unknown[];
}

/**
 * An input that carries transforms: `encode` runs on the producer's machine, `decode` on the
 * consumer's. Both are steps of the edge, recorded with it, never tasks of their own.
 */
export interface EdgeArg {
  readonly from: TaskId;
  readonly encode?: EdgeTransform;
  readonly decode?: EdgeTransform;
}

/** An ordered input of a task: a producer's id, or an edge with transforms. */
export type TaskArg = TaskId | EdgeArg;

export type Placement =
  | { readonly kind: "auto" }
  | { readonly kind: "pinned"; readonly machine: MachineName }
  | { readonly kind: "collocated"; readonly with: TaskId };

export interface RetryBackoff {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** Multiplier per further retry (2 doubles the delay each time). */
  readonly factor?: number;
  /** Upper bound of one delay. */
  readonly maxMs?: number;
}

export interface TaskSpec {
  readonly id: TaskId;
  readonly fn: FunctionName;
  readonly args?: readonly TaskArg[];
  readonly extraArgs?: readonly unknown[];
  readonly argumentInclusion?: ArgumentInclusion;
  readonly type?: TaskType;
  readonly placement?: Placement;
  readonly cost?: Resources;
  /** Retries after the first attempt; `undefined` inherits the run's (default 3), `0` means none. */
  readonly maxRetries?: number;
  readonly retryBackoff?: RetryBackoff;
  /**
   * The failure kinds worth a retry (`function_failed`, `timeout`); any other failure ends the task at once.
   * Absent: both. `non_retryable` never retries; `machine_lost` / `result_lost` keep their own budget.
   */
  readonly retryOn?: readonly RetryableErrorKind[];
  readonly timeoutMs?: number;
}

export interface DagSpec {
  readonly tasks: readonly TaskSpec[];
}

export const Strategy = { FirstAvailable: "first_available", LoadBalanced: "load_balanced" } as const;
export type Strategy = (typeof Strategy)[keyof typeof Strategy];

export const OnFailure = { FailFast: "fail_fast", Continue: "continue" } as const;
export type OnFailure = (typeof OnFailure)[keyof typeof OnFailure];

export const TaskState = {
  WaitingForDependencies: "waiting_for_dependencies",
  WaitingForResources: "waiting_for_resources",
  Running: "running",
  Retrying: "retrying",
  Succeeded: "succeeded",
  Failed: "failed",
  Cancelled: "cancelled",
  UpstreamFailed: "upstream_failed",
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  TaskState.Succeeded,
  TaskState.Failed,
  TaskState.Cancelled,
  TaskState.UpstreamFailed,
]);

/** Every task state, in the order a task usually passes through them. */
export const TASK_STATES: readonly TaskState[] = Object.values(TaskState);

export function isTaskState(value: string): value is TaskState {
  return (TASK_STATES as readonly string[]).includes(value);
}

/** Whether a task in this state is done (succeeded, failed, cancelled or upstream failed). Takes text from the API. */
export function isTerminalTaskState(state: string): boolean {
  return TERMINAL_TASK_STATES.has(state as TaskState);
}

export const DEFAULT_MAX_RETRIES = 3;

/**
 * The wait before a retry when a task sets no `retryBackoff`: 1 s, doubling, at most 30 s (each wait
 * jittered between half and all of it). Set `retryBackoff: { initialMs: 0 }` to retry at once.
 */
export const DEFAULT_RETRY_BACKOFF = { initialMs: 1_000, factor: 2, maxMs: 30_000 } as const satisfies RetryBackoff;

/** The id of the producer an argument reads from. */
export function argSource(arg: TaskArg): TaskId {
  return typeof arg === "string" ? arg : arg.from;
}
