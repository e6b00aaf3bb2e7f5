import type { DagProblem, DagSpec, PlacementExplanation, RunOptions, RunOutcome, TaskExplanation } from "@handoff/core";
import type { AttemptRecord, LogPage, LogQuery, RunFilter, RunPage, RunRecord, TaskCounts, TaskRecord } from "@handoff/db";
import type { DagFile } from "@handoff/protocol";
import type { ResultReference } from "./results.ts";

/** A task's change as watchers see it. */
export interface TaskChangeView {
  readonly taskId: string;
  readonly state: string;
  readonly at: number;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly machine?: string;
  readonly reason?: string;
  /** While retrying after a backoff: when (epoch ms) the next attempt may start. */
  readonly retryAt?: number;
  readonly error?: { readonly kind: string; readonly message: string };
  readonly result?: ResultReference;
  /** Running: why on this machine; waiting for resources: why not yet (the scheduler's last placement attempt). */
  readonly placement?: PlacementExplanation;
}

/** A log line as watchers see it (`id` is null until it is stored). */
export interface LogView {
  readonly id: number | null;
  readonly taskId: string | null;
  readonly attemptId: string | null;
  readonly level: string;
  readonly message: string;
  readonly at: string;
}

/** What a run's watchers are told, in order, until `finished`. */
export type RunEvent =
  | { readonly type: "task"; readonly change: TaskChangeView }
  | { readonly type: "log"; readonly log: LogView }
  /** `finishedAt` (ISO 8601) is the end the run's record gets: a watcher need not wait for the database to learn it. */
  | { readonly type: "finished"; readonly outcome: RunOutcome; readonly finishedAt: string };

export interface StartRunRequest {
  readonly dag: DagSpec;
  /** The DAG file as given (stored with the run so the dashboard can draw it). */
  readonly file: DagFile;
  readonly options: RunOptions;
  readonly startedBy: string | null;
  readonly dagId: string | null;
  readonly dagVersion: number | null;
  readonly dagName: string | null;
  /** The run parameters' values (bound into `file` already) and the file as written; absent without parameters. */
  readonly params?: Readonly<Record<string, unknown>> | null;
  readonly template?: DagFile | null;
  /** The schedule or webhook starting it (recorded as the run's `reason` and `triggerId`). */
  readonly trigger?: { readonly kind: "schedule" | "webhook"; readonly id: string };
  /** The same key from the same token within 24 h answers with the run it started. */
  readonly idempotency?: { readonly tokenId: string; readonly key: string };
}

/** `explainTask`'s answer: core's `TaskExplanation`, and whether it comes from the live scheduler. */
export type TaskExplanationView = Omit<TaskExplanation, "dependencies"> & {
  /** Null when read from storage (the scheduler no longer holds the run). */
  readonly dependencies: TaskExplanation["dependencies"] | null;
  readonly live: boolean;
};

export type StartedRun =
  | { readonly kind: "started"; readonly runId: string; readonly isExisting: boolean }
  | { readonly kind: "rejected"; readonly message: string; readonly problems: readonly DagProblem[] };

/** Which tasks a re-run from failure runs: those that did not succeed, or the chosen ones (with what is downstream). */
export type RerunFrom = "failed" | readonly string[];

export interface RerunRequest {
  readonly runId: string;
  readonly from: RerunFrom;
  readonly startedBy: string | null;
}

/** A re-run started (what it reuses, what it runs), or why not (nothing written). */
export type RerunStarted =
  | {
      readonly ok: true;
      readonly runId: string;
      /** Tasks whose results it took over from the old run, where they are. */
      readonly reused: readonly string[];
      /** Tasks it runs (inline ones apart). */
      readonly run: readonly string[];
      /** Succeeded tasks of the old run it runs again, and why (lost, evicted, changed). */
      readonly notReused: readonly { readonly taskId: string; readonly reason: string }[];
    }
  | {
      readonly ok: false;
      readonly error:
        | { readonly kind: "not_found" | "invalid_request" | "precondition_failed"; readonly message: string }
        | { readonly kind: "rejected"; readonly message: string; readonly problems: readonly DagProblem[] };
    };

/**
 * Runs: starting them (checked against the live cluster), watching them, and reading what they stored. Reads of one
 * run wait for the scheduler's pending writes, so they see every change already published to watchers.
 */
export interface RunsService {
  start(request: StartRunRequest): Promise<StartedRun>;
  /** A new run of a finished one that reuses its succeeded results where they are and runs the rest (see `RerunFrom`). */
  rerun(request: RerunRequest): Promise<RerunStarted>;
  /** The run's outcome, once it has ended (waits). */
  outcome(runId: string): Promise<RunOutcome | undefined>;
  /** False when the run is not active (finished, or unknown). */
  cancel(runId: string, reason: string): boolean;
  isActive(runId: string): boolean;
  /** Calls `listener` with each scheduler tick's events of the run, in order (one batch per tick). */
  subscribe(runId: string, listener: (batch: readonly RunEvent[]) => void): () => void;
  get(runId: string): Promise<{ run: RunRecord; tasks: TaskRecord[] } | undefined>;
  list(filter: RunFilter): Promise<RunPage>;
  /** Task counts by state for each run (inline tasks apart), in one query for a page of runs. */
  countTasks(runIds: readonly string[]): Promise<Map<string, TaskCounts>>;
  attempts(runId: string, taskId?: string): Promise<AttemptRecord[]>;
  /**
   * Why one task runs where it does or what it waits for, now: from the scheduler while the run is held there
   * (every machine's verdict included), else from the stored attempts (`live: false`, no candidates).
   */
  explainTask(runId: string, taskId: string): Promise<TaskExplanationView | undefined>;
  logs(query: LogQuery): Promise<LogPage>;
}
