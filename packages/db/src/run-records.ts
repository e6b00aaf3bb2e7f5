import type { Attempt, Run, Task } from "./generated/sqlite/client.ts";
import { fromJsonColumn, fromOptionalJsonColumn } from "./json-column.ts";
import type { RunStatus} from "@handoff/core";
import { type TaskState } from "@handoff/core";

// What the run repository reads and writes: runs, tasks and attempts as records, the changes the scheduler's
// write-behind batches, and the mapping from database rows.

/** Longest stored result preview, in UTF-8 bytes; longer previews are cut. */
export const maxResultPreviewBytes = 4096;

export interface RunRecord {
  id: string;
  dagId: string | null;
  dagVersion: number | null;
  /** The DAG file's name (saved or not). */
  dagName: string | null;
  /** Snapshot of the DAG spec this run executes. */
  spec: unknown;
  options: unknown;
  status: RunStatus;
  startedBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  outcome: unknown;
  /** The run this one was started from (a recompute of a lost value's lineage). */
  parentRunId: string | null;
  /** Why it was started: `recompute` or `rerun` (from `parentRunId`), `schedule` or `webhook` (from `triggerId`). */
  reason: string | null;
  /** The schedule or webhook that started it (reason `schedule` | `webhook`). */
  triggerId: string | null;
  /** The run parameters' values it ran with, by name (null when its DAG declares none). */
  params: unknown;
  /** The DAG file as written, before its parameters were bound into `spec` (null without parameters). */
  template: unknown;
}

/** A run without its (possibly large) spec and template, for lists. */
export type RunSummary = Omit<RunRecord, "spec" | "template">;

export interface TaskRecord {
  runId: string;
  taskId: string;
  state: TaskState;
  reason: string | null;
  machine: string | null;
  attempts: number;
  resultMachine: string | null;
  resultSize: number | null;
  resultPreview: string | null;
  /** The holder's result store instance when the result was recorded; a restarted agent has a new one. */
  resultStoreId: string | null;
  /** Set when the result was found lost with its machine (`lostMachine`). */
  lostAt: Date | null;
  lostMachine: string | null;
  errorKind: string | null;
  errorMessage: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Never scheduled: evaluated inside each consumer, so its state stays as created. */
  inline: boolean;
  /** The code hash of the function that produced the result (a re-run reuses it only while unchanged). */
  codeHash: string | null;
  /** A re-run reused this result: the run that produced it, which its holder keeps it under. */
  reusedFrom: string | null;
}

export interface AttemptRecord {
  /** `"runId/taskId#2"` */
  id: string;
  runId: string;
  taskId: string;
  number: number;
  machine: string | null;
  state: TaskState;
  startedAt: Date | null;
  finishedAt: Date | null;
  errorKind: string | null;
  errorMessage: string | null;
  metrics: unknown;
  /** Why it ran on its machine (core's `PlacementExplanation`), as recorded at assignment. */
  placement: unknown;
}

export interface NewRun {
  /** Defaults to a random UUID. */
  id?: string;
  dagId: string | null;
  dagVersion: number | null;
  dagName?: string | null;
  spec: unknown;
  options: unknown;
  status: RunStatus;
  startedBy: string | null;
  createdAt?: Date;
  parentRunId?: string | null;
  reason?: string | null;
  triggerId?: string | null;
  /** Unique among runs: a second run with the same key fails with a unique violation (nothing written). */
  idempotencyKey?: string | null;
  params?: unknown;
  template?: unknown;
  /** `inline` defaults to what the spec's task says (`type: "inline"`). */
  tasks: readonly { taskId: string; state: TaskState; reason?: string | null; inline?: boolean }[];
}

type Patch<T> = { [K in keyof T]?: T[K] };

/** Fields left out stay as they are; `null` clears a field. */
export type RunChange = { runId: string } & Patch<Pick<RunRecord, "status" | "startedAt" | "finishedAt" | "outcome">>;
export type TaskChange = { runId: string; taskId: string } & Patch<Omit<TaskRecord, "runId" | "taskId" | "inline">>;
/** Creates the attempt the first time its id is seen, then updates it. */
export type AttemptChange = Pick<AttemptRecord, "id" | "runId" | "taskId" | "number" | "state"> &
  Patch<Omit<AttemptRecord, "id" | "runId" | "taskId" | "number" | "state">>;

/** Everything one scheduler tick changed, written in one transaction. */
export interface ChangeBatch {
  runs?: readonly RunChange[];
  tasks?: readonly TaskChange[];
  attempts?: readonly AttemptChange[];
  /** Machines back with a new result store: written after the task changes (see `markResultsLost`). */
  lostStores?: readonly LostStore[];
  /**
   * Replicas (PostgreSQL): the leader lease's epoch this batch was decided under. The transaction locks the lease row
   * and writes nothing when another leader took it since (`LeaseLostError`). Absent: no lease (one server).
   */
  epoch?: number;
}

/** Every result recorded on `machine` under a store instance other than `currentStoreId` was lost at `at`. */
export interface LostStore {
  machine: string;
  currentStoreId: string;
  at: Date;
}

export interface RunFilter {
  status?: RunStatus | readonly RunStatus[];
  dagId?: string;
  dagName?: string;
  startedBy?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** 1..500, default 50. */
  limit?: number;
}

export interface RunPage {
  runs: RunSummary[];
  /** Pass as `cursor` for the next page; undefined on the last page. */
  nextCursor: string | undefined;
}

export interface InFlightRun {
  run: RunRecord;
  tasks: TaskRecord[];
  attempts: AttemptRecord[];
}

export function toRunRecord(row: Run): RunRecord {
  return {
    ...row,
    spec: fromJsonColumn(row.spec),
    options: fromJsonColumn(row.options),
    status: row.status as RunStatus,
    outcome: fromOptionalJsonColumn(row.outcome),
    params: fromOptionalJsonColumn(row.params),
    template: fromOptionalJsonColumn(row.template),
  };
}

export function toRunSummary(row: Omit<Run, "spec" | "template">): RunSummary {
  return {
    ...row,
    params: fromOptionalJsonColumn(row.params),
    options: fromJsonColumn(row.options),
    status: row.status as RunStatus,
    outcome: fromOptionalJsonColumn(row.outcome),
  };
}

export const toTaskRecord = (row: Task): TaskRecord => ({ ...row, state: row.state as TaskState });

export function toAttemptRecord(row: Attempt): AttemptRecord {
  return { ...row, state: row.state as TaskState, metrics: fromOptionalJsonColumn(row.metrics), placement: fromOptionalJsonColumn(row.placement) };
}

export function truncatePreview(preview: string): string {
  const bytes = Buffer.from(preview, "utf8");
  if (bytes.length <= maxResultPreviewBytes) return preview;
  // Cut at a character boundary: drop UTF-8 continuation bytes (10xxxxxx) at the cut.
  let end = maxResultPreviewBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}
