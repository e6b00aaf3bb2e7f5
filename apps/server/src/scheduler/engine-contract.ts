import type { DagProblem, DagSpec, RunOptions } from "@handoff/core";
import type { Database } from "@handoff/db";
import type { Logger } from "../log.ts";
import type { Clock, Timers } from "./clock.ts";
import type { Leadership } from "./leadership.ts";
import type { ReusedResult } from "./plan-rerun.ts";

// The engine's contract: what a run is submitted with, how a rejected DAG fails, and what the engine is built from.

export interface SubmitRequest {
  readonly dag: DagSpec;
  /** The DAG file as given (stored with the run so the dashboard can draw it). */
  readonly file: unknown;
  readonly options: RunOptions;
  readonly startedBy: string | null;
  readonly dagId: string | null;
  readonly dagVersion: number | null;
  /** The DAG file's name, stored for filtering runs. */
  readonly dagName?: string | null;
  /** The run this one is started from, and why (`recompute`: the lineage of a lost value; `rerun`: from failure). */
  readonly parentRunId?: string;
  readonly reason?: "recompute" | "rerun";
  /** A schedule or webhook started it (no parent run). */
  readonly trigger?: { readonly kind: "schedule" | "webhook"; readonly id: string };
  /** Results of earlier runs this run takes over instead of running their tasks (see `planRerun`). */
  readonly reuse?: readonly ReusedResult[];
  /** Scoped idempotency key (see api/idempotent-start.ts); a taken key fails the insert, nothing dispatched. */
  readonly idempotencyKey?: string | null;
  /** The run parameters' values, already bound into `dag` and `file`, and the file as written (stored for re-runs). */
  readonly params?: unknown;
  readonly template?: unknown;
}

export class RunRejectedError extends Error {
  override readonly name = "RunRejectedError";
  constructor(readonly problems: readonly DagProblem[]) {
    super(`the DAG was rejected: ${problems.map((problem) => problem.message).join("; ")}`);
  }
}

export interface EngineOptions {
  readonly db: Database;
  readonly log: Logger;
  readonly localMachine?: string;
  readonly noMachineGraceMs: number;
  readonly machineTimeoutMs: number;
  readonly heartbeatMs: number;
  /** Write-behind: how long changes may wait to share a transaction (default 50 ms). */
  readonly writeDelayMs?: number;
  /** Grants for result fetches live this long. */
  readonly grantTtlMs?: number;
  /** After a restart: the longest wait for the machines of in-flight runs before resuming them (default 30 s). */
  readonly resumeGraceMs?: number;
  /** The time and the timers (tests pass a `FakeClock` for both). */
  readonly clock?: Clock;
  readonly timers?: Timers;
  /** The named secrets that exist (a task referring to another is refused before it runs); absent: none are checked. */
  readonly secretNames?: () => ReadonlySet<string>;
  /** Replicas (issue #18): the leader lease this server schedules under; absent, a single server that always schedules. */
  readonly leadership?: Leadership;
}
