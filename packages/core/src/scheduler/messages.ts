import type {
  ArgumentInclusion,
  DagSpec,
  EdgeTransform,
  MachineName,
  OnFailure,
  Resources,
  Strategy,
  TaskId,
  TaskState,
} from "../dag/model.ts";
import type { DagProblem, TaskError, TaskErrorKind } from "../errors.ts";
import type { PlacementExplanation } from "../placement/explain.ts";
import type { RunOutcomeStatus } from "../run/run-status.ts";
import type { CompiledDag } from "./compile-dag.ts";

export type RunId = string;
export type AttemptId = string;

export type MachineStatus = "online" | "offline" | "draining";

export interface MachineAnnouncement {
  readonly name: MachineName;
  /** Total capacity, including `slots` (the executor pool size). */
  readonly capacity: Resources;
  readonly functions: readonly string[];
  readonly status?: MachineStatus;
  /**
   * Attempts its agent accepts beyond its free slots, queued there and started in order as slots free (the agent
   * announces it; absent or 0: none, for agents that start everything they are given). At most its `slots`.
   */
  readonly aheadDepth?: number;
  /**
   * Its agent holds an attempt whose input names `after` until that attempt's value is in its store (see
   * `pre-assign.ts`). Absent: nothing is pre-assigned to it. Needs `aheadDepth` (a pre-assigned attempt is queued).
   */
  readonly preAssign?: boolean;
}

export interface RunOptions {
  readonly strategy?: Strategy;
  /** Retries after the first attempt for tasks that do not set their own (default 3). */
  readonly maxRetries?: number;
  /** At most this many attempts of the run in flight at once (default: unbounded, capacity decides). */
  readonly maxConcurrency?: number;
  readonly onFailure?: OnFailure;
  /** The whole run is cancelled with `timeout` after this long. */
  readonly timeoutMs?: number;
}

/** Everything that can happen to the scheduler. The clock arrives with each event as `now` (ms). */
export type SchedulerEvent =
  | { readonly type: "machine_joined"; readonly now: number; readonly machine: MachineAnnouncement }
  | { readonly type: "machine_status_changed"; readonly now: number; readonly name: MachineName; readonly status: MachineStatus }
  | {
      readonly type: "run_submitted";
      readonly now: number;
      readonly runId: RunId;
      readonly dag: DagSpec;
      readonly options?: RunOptions;
      /** A run taken over after a server restart: what already happened to its tasks. */
      readonly resume?: RunResume;
      /** `dag` compiled by the caller already (`compileDag`), so it is not compiled twice. */
      readonly compiled?: CompiledDag;
    }
  | {
      readonly type: "attempt_succeeded";
      readonly now: number;
      readonly attemptId: AttemptId;
      /** The machine reporting; a report from any other machine than the assignee is ignored. */
      readonly machine?: MachineName;
      /** Opaque to the core: the value itself in-process, a reference (size, preview) in the cluster. */
      readonly result?: unknown;
    }
  | {
      readonly type: "attempt_failed";
      readonly now: number;
      readonly attemptId: AttemptId;
      readonly machine?: MachineName;
      readonly error: TaskError;
    }
  | { readonly type: "run_cancel_requested"; readonly now: number; readonly runId: RunId; readonly reason?: string }
  | { readonly type: "tick"; readonly now: number };

/** What a restarted server knows of a run it takes over (from its database). */
export interface RunResume {
  readonly tasks: Readonly<
    Record<
      TaskId,
      {
        /** Attempts started before the restart: new attempt ids continue after them, so old reports are fenced. */
        readonly attempts: number;
        /** Set when the task had succeeded: its result stays where it is and it does not run again. */
        readonly succeeded?: { readonly machine: MachineName; readonly result: unknown };
        /**
         * Set when an attempt is still running on a machine that came back: it is adopted (claimed in the ledger,
         * its report awaited) instead of started again. One that cannot be adopted is aborted and the task re-runs.
         */
        readonly running?: { readonly attemptId: AttemptId; readonly machine: MachineName };
      }
    >
  >;
}

/** How a consumer gets one input, in call order. */
export type InputRef =
  | {
      readonly kind: "result";
      readonly taskId: TaskId;
      /** Where the producer's result lives. */
      readonly machine: MachineName;
      /** Pre-assigned: the producer's attempt still runs on this same machine; its agent waits for its value. */
      readonly after?: AttemptId;
      /** Runs on the producer's machine: `fn(value, sourceMachine, targetMachine, ...args)`. */
      readonly encode?: EdgeTransform;
      /** Runs on the consumer's machine with the same two machine names. */
      readonly decode?: EdgeTransform;
    }
  | {
      readonly kind: "inline";
      readonly taskId: TaskId;
      readonly fn: string;
      readonly inputs: readonly InputRef[];
      readonly extraArgs: readonly unknown[];
      readonly argumentInclusion: ArgumentInclusion;
      readonly encode?: EdgeTransform;
      readonly decode?: EdgeTransform;
    };

export interface TaskChange {
  readonly runId: RunId;
  readonly taskId: TaskId;
  readonly state: TaskState;
  readonly at: number;
  /** Attempts started so far. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly machine?: MachineName;
  readonly attemptId?: AttemptId;
  /** Why the task waits or retries, in words. */
  readonly reason?: string;
  readonly error?: TaskError;
  readonly result?: unknown;
  /** When a task waits to retry: the time (ms, the scheduler's clock) its next attempt may start. */
  readonly retryAt?: number;
  /** Running: why on this machine; waiting for resources: why not yet (the last placement attempt). */
  readonly placement?: PlacementExplanation;
}

export interface TaskFailure {
  readonly taskId: TaskId;
  readonly kind: TaskErrorKind;
  readonly message: string;
  readonly attempts: number;
}

/** A run's outcome: one tagged value, whatever happened. */
export interface RunOutcome {
  readonly status: RunOutcomeStatus;
  readonly runId: RunId;
  /** Every succeeded task's result (values in-process, references in the cluster). */
  readonly results: Readonly<Record<TaskId, unknown>>;
  readonly failures: readonly TaskFailure[];
  /** Why the run was rejected before anything ran. */
  readonly problems: readonly DagProblem[];
  /** The machine each task's last attempt ran on. */
  readonly allocations: Readonly<Record<TaskId, MachineName>>;
}

/** What the shell must do. Persist, send and publish them in order. */
export type SchedulerCommand =
  | {
      readonly type: "assign_task";
      readonly runId: RunId;
      readonly taskId: TaskId;
      readonly attemptId: AttemptId;
      readonly attempt: number;
      readonly machine: MachineName;
      readonly fn: string;
      readonly inputs: readonly InputRef[];
      readonly extraArgs: readonly unknown[];
      readonly argumentInclusion: ArgumentInclusion;
      readonly timeoutMs?: number;
      /** The executor slots the attempt takes on its machine (its cost's `slots`, at least 1). */
      readonly slots: number;
      /** Assigned ahead: it waits on its machine for `slots` to free (see `assign-ahead.ts`). */
      readonly isQueued?: true;
      /** Why this machine (recorded with the attempt). */
      readonly placement?: PlacementExplanation;
    }
  | {
      readonly type: "abort_attempt";
      readonly runId: RunId;
      readonly taskId: TaskId;
      readonly attemptId: AttemptId;
      readonly machine: MachineName;
      readonly reason: "cancelled" | "timeout";
    }
  | { readonly type: "task_changed"; readonly change: TaskChange }
  | { readonly type: "run_finished"; readonly outcome: RunOutcome }
  /** Call `decide` with a `tick` at this time (replaces any earlier request). */
  | { readonly type: "set_timer"; readonly at: number }
  | { readonly type: "report_ignored"; readonly attemptId: AttemptId; readonly reason: string };
