import type { MachineName, TaskId } from "./dag/names.ts";

/** One catalogue of error kinds, shared by core, API, SDK and UI (ARCHITECTURE.md, "Names on the wire"). */
export const ErrorKind = {
  MissingTask: "missing_task",
  Cycle: "cycle",
  InvalidTask: "invalid_task",
  UnknownFunction: "unknown_function",
  Infeasible: "infeasible",
  FunctionFailed: "function_failed",
  /** The function threw `NonRetryableError` (a std function refusing its arguments does): no retry can fix it. */
  NonRetryable: "non_retryable",
  UpstreamFailed: "upstream_failed",
  Timeout: "timeout",
  Cancelled: "cancelled",
  MachineLost: "machine_lost",
  ResultLost: "result_lost",
  /** An attempt a restarted server could not adopt: aborted, and its task runs again. */
  Interrupted: "interrupted",
  /** A value its holder dropped (retention or disk budget); `results.recompute` rebuilds it. */
  Evicted: "evicted",
  /** A value whose holder is offline now (it may come back). */
  MachineOffline: "machine_offline",
  /** A holder could not run an edge's encode transform on a value it serves. */
  EncodeFailed: "encode_failed",
  /** A holder that did not answer. */
  Unreachable: "unreachable",
  Unauthorized: "unauthorized",
  Forbidden: "forbidden",
  TooLarge: "too_large",
  TooManyRequests: "too_many_requests",
  NotFound: "not_found",
  /** A request that is malformed (its fields say where). */
  InvalidRequest: "invalid_request",
  /** Someone else changed the same thing at the same time; try again. */
  Conflict: "conflict",
  /** The request is fine but the state of things does not allow it now (a run still going, an unreadable stored DAG). */
  PreconditionFailed: "precondition_failed",
  /** A standby replica was asked what only the leader does (issue #18): `details.leaderUrl` says where it is. */
  NotLeader: "not_leader",
  Internal: "internal",
} as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

/** A problem found in a DAG before anything runs. Every problem names its task(s). */
export type DagProblem =
  | { readonly kind: "missing_task"; readonly taskId: TaskId; readonly dependsOn: TaskId; readonly message: string }
  | { readonly kind: "cycle"; readonly path: readonly TaskId[]; readonly message: string }
  | {
      readonly kind: "invalid_task";
      readonly taskId: TaskId | null;
      /** Where in the task the problem is, e.g. `cost.cpu`, `placement.with`, `args[2]`. */
      readonly field: string;
      readonly message: string;
    }
  | {
      readonly kind: "unknown_function";
      readonly taskId: TaskId;
      readonly fn: string;
      /** What needs the function: the task itself, an inline dependency, or an edge transform. */
      readonly neededBy: string;
      readonly message: string;
    }
  | {
      readonly kind: "infeasible";
      readonly taskId: TaskId;
      /** The machine that came closest, if any machine was eligible. */
      readonly closestMachine: MachineName | null;
      /** What the closest machine lacks: resource → amount missing. */
      readonly lacks: Readonly<Record<string, number>>;
      readonly message: string;
    };

/** Why an attempt or a task ended without a value (the wire's `task:finished` error kinds). */
export const TASK_ERROR_KINDS = [
  ErrorKind.FunctionFailed,
  ErrorKind.NonRetryable,
  ErrorKind.Timeout,
  ErrorKind.Cancelled,
  ErrorKind.MachineLost,
  ErrorKind.ResultLost,
  ErrorKind.UpstreamFailed,
  ErrorKind.Infeasible,
] as const;
export type TaskErrorKind = (typeof TASK_ERROR_KINDS)[number];

/**
 * The kinds an agent may report for a failed attempt. The others (`upstream_failed`, `infeasible`) are the
 * scheduler's own verdicts: an agent claiming one is read as the function's failure (`attemptErrorKind`).
 */
export const ATTEMPT_ERROR_KINDS = [ErrorKind.FunctionFailed, ErrorKind.NonRetryable, ErrorKind.Timeout, ErrorKind.Cancelled, ErrorKind.MachineLost, ErrorKind.ResultLost] as const;
export type AttemptErrorKind = (typeof ATTEMPT_ERROR_KINDS)[number];

/** An agent's reported kind as the scheduler takes it: one of `ATTEMPT_ERROR_KINDS`, else `function_failed`. */
export function attemptErrorKind(kind: string): AttemptErrorKind {
  return (ATTEMPT_ERROR_KINDS as readonly string[]).includes(kind) ? (kind as AttemptErrorKind) : ErrorKind.FunctionFailed;
}

/**
 * The kinds a task's `retryOn` may name: the failures a retry spends the retry budget on. `non_retryable`
 * never retries; `machine_lost` and `result_lost` retry on their own budget (not the task's fault).
 */
export const RETRYABLE_ERROR_KINDS = [ErrorKind.FunctionFailed, ErrorKind.Timeout] as const;
export type RetryableErrorKind = (typeof RETRYABLE_ERROR_KINDS)[number];

export interface TaskError {
  readonly kind: TaskErrorKind;
  readonly message: string;
}
