import { randomUUID } from "node:crypto";
import { bulkInsert, bulkUpdate, bulkUpsert, groupByShape, mergeByKey, type Columns } from "./bulk-write.ts";
import type { DatabaseClient, DatabaseProvider, TransactionClient } from "./database-client.ts";
import { countTasks, inlineTaskIds, type TaskCounts } from "./task-counts.ts";
import { fromJsonColumn, fromOptionalJsonColumn, toJsonColumn, toOptionalJsonColumn } from "./json-column.ts";
import type { Attempt, Run, Task } from "./generated/sqlite/client.ts";
import { RunStatus, type TaskState } from "@handoff/core";

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
  /** Why it was started from `parentRunId`: `recompute`. */
  reason: string | null;
}

/** A run without its (possibly large) spec, for lists. */
export type RunSummary = Omit<RunRecord, "spec">;

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
  /** Unique among runs: a second run with the same key fails with a unique violation (nothing written). */
  idempotencyKey?: string | null;
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

export interface RunRepository {
  /** The run and all its tasks, in one transaction. */
  create(run: NewRun): Promise<RunRecord>;
  /** The scheduler's write-behind: all changes of one tick in ONE transaction (attempts, then tasks, then runs). */
  applyChanges(batch: ChangeBatch): Promise<void>;
  /** Newest first. */
  list(filter?: RunFilter): Promise<RunPage>;
  /** Task counts by state for each run (inline tasks as `inline`), in one query. */
  countTasks(runIds: readonly string[]): Promise<Map<string, TaskCounts>>;
  get(runId: string): Promise<{ run: RunRecord; tasks: TaskRecord[] } | undefined>;
  /** The run that holds this idempotency key, if any. */
  findByIdempotencyKey(key: string): Promise<{ id: string; createdAt: Date } | undefined>;
  /** Frees the key when the run holding it was created before `before` (an expired key), so a new run may take it. */
  releaseIdempotencyKey(key: string, before: Date): Promise<void>;
  listAttempts(runId: string, taskId?: string): Promise<AttemptRecord[]>;
  /** At start-up: runs left queued or running by a previous server become `interrupted`; returns their ids. */
  markInterrupted(at: Date, runIds?: readonly string[]): Promise<string[]>;
  /** Runs left queued or running (by a previous server process), with their tasks and attempts: what resuming needs. */
  listInFlight(): Promise<InFlightRun[]>;
  /**
   * A machine came back with another result store instance: every result recorded on it under an older
   * instance is lost now. Results recorded without an instance id are left alone. Returns how many.
   */
  markResultsLost(machine: string, currentStoreId: string, at: Date): Promise<number>;
  /** The newest run started to recompute `taskId` of `parentRunId` (or a task downstream of it), with that task's row. */
  findRecompute(parentRunId: string, taskId: string): Promise<{ run: RunSummary; task: TaskRecord } | undefined>;
}

export interface InFlightRun {
  run: RunRecord;
  tasks: TaskRecord[];
  attempts: AttemptRecord[];
}

function toRunRecord(row: Run): RunRecord {
  return {
    ...row,
    spec: fromJsonColumn(row.spec),
    options: fromJsonColumn(row.options),
    status: row.status as RunStatus,
    outcome: fromOptionalJsonColumn(row.outcome),
  };
}

function toRunSummary(row: Omit<Run, "spec">): RunSummary {
  return {
    ...row,
    options: fromJsonColumn(row.options),
    status: row.status as RunStatus,
    outcome: fromOptionalJsonColumn(row.outcome),
  };
}

const toTaskRecord = (row: Task): TaskRecord => ({ ...row, state: row.state as TaskState });

function toAttemptRecord(row: Attempt): AttemptRecord {
  return { ...row, state: row.state as TaskState, metrics: fromOptionalJsonColumn(row.metrics) };
}

export function truncatePreview(preview: string): string {
  const bytes = Buffer.from(preview, "utf8");
  if (bytes.length <= maxResultPreviewBytes) return preview;
  // Cut at a character boundary: drop UTF-8 continuation bytes (10xxxxxx) at the cut.
  let end = maxResultPreviewBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

const taskColumns = {
  state: "text",
  reason: "text",
  machine: "text",
  attempts: "int",
  resultMachine: "text",
  resultSize: "int",
  resultPreview: "text",
  resultStoreId: "text",
  lostAt: "timestamp",
  lostMachine: "text",
  errorKind: "text",
  errorMessage: "text",
  startedAt: "timestamp",
  finishedAt: "timestamp",
} as const satisfies Columns;

const attemptRequiredColumns = { id: "text", runId: "text", taskId: "text", number: "int", state: "text" } as const satisfies Columns;
const attemptOptionalColumns = {
  machine: "text",
  startedAt: "timestamp",
  finishedAt: "timestamp",
  errorKind: "text",
  errorMessage: "text",
  metrics: "text",
} as const satisfies Columns;

function pick(columns: Columns, names: readonly string[]): Columns {
  return Object.fromEntries(names.map((n) => [n, columns[n]!]));
}

async function applyTaskChanges(tx: TransactionClient, provider: DatabaseProvider, changes: readonly TaskChange[]): Promise<void> {
  const merged = mergeByKey(changes, (c) => `${c.runId}\u0000${c.taskId}`).map((c) =>
    c.resultPreview === undefined || c.resultPreview === null ? c : { ...c, resultPreview: truncatePreview(c.resultPreview) },
  );
  for (const { fields, rows } of groupByShape(merged, Object.keys(taskColumns)).values()) {
    await bulkUpdate(tx, provider, "Task", { runId: "text", taskId: "text" }, pick(taskColumns, fields), rows);
  }
}

async function applyAttemptChanges(tx: TransactionClient, provider: DatabaseProvider, changes: readonly AttemptChange[]): Promise<void> {
  const merged = mergeByKey(changes, (c) => c.id).map((c) =>
    c.metrics === undefined ? c : { ...c, metrics: toOptionalJsonColumn(c.metrics) },
  );
  for (const { fields, rows } of groupByShape(merged, Object.keys(attemptOptionalColumns)).values()) {
    const columns = { ...attemptRequiredColumns, ...pick(attemptOptionalColumns, fields) };
    await bulkUpsert(tx, provider, "Attempt", "id", columns, ["state", ...fields], rows);
  }
}

async function markLost(tx: TransactionClient | DatabaseClient, { machine, currentStoreId, at }: LostStore): Promise<number> {
  const { count } = await tx.task.updateMany({
    where: { resultMachine: machine, lostAt: null, resultStoreId: { not: null }, NOT: { resultStoreId: currentStoreId } },
    data: { lostAt: at, lostMachine: machine },
  });
  return count;
}

function runData(change: RunChange) {
  const { runId: _runId, outcome, ...rest } = change;
  return outcome === undefined ? rest : { ...rest, outcome: toOptionalJsonColumn(outcome) };
}

/**
 * Storage of runs, their tasks and attempts. Only the scheduler writes run state (one writer).
 * @example
 * const runs = createRunRepository(client, "sqlite");
 * await runs.create({ dagId, dagVersion: 3, spec, options: {}, status: "queued", startedBy: "alice", tasks: [{ taskId: "a", state: "waiting_for_resources" }] });
 * await runs.applyChanges({ tasks: [{ runId, taskId: "a", state: "running", machine: "m1", attempts: 1 }] });
 */
export function createRunRepository(client: DatabaseClient, provider: DatabaseProvider): RunRepository {
  return {
    async create(run) {
      const id = run.id ?? randomUUID();
      const row = await client.$transaction(
        async (tx) => {
          const created = await tx.run.create({
            data: {
              id,
              dagId: run.dagId,
              dagVersion: run.dagVersion,
              dagName: run.dagName ?? null,
              spec: toJsonColumn(run.spec),
              options: toJsonColumn(run.options),
              status: run.status,
              startedBy: run.startedBy,
              parentRunId: run.parentRunId ?? null,
              reason: run.reason ?? null,
              idempotencyKey: run.idempotencyKey ?? null,
              ...(run.createdAt === undefined ? {} : { createdAt: run.createdAt }),
            },
          });
          const inline = inlineTaskIds(run.spec);
          const tasks = run.tasks.map((t) => ({ runId: id, taskId: t.taskId, state: t.state, reason: t.reason ?? null, attempts: 0, inline: t.inline ?? inline.has(t.taskId) }));
          await bulkInsert(tx, provider, "Task", { runId: "text", taskId: "text", state: "text", reason: "text", attempts: "int", inline: "bool" }, tasks);
          return created;
        },
        { timeout: 120_000, maxWait: 30_000 },
      );
      return toRunRecord(row);
    },

    async applyChanges(batch) {
      const attempts = batch.attempts ?? [];
      const tasks = batch.tasks ?? [];
      const runs = batch.runs ?? [];
      const lostStores = batch.lostStores ?? [];
      if (attempts.length + tasks.length + runs.length + lostStores.length === 0) return;
      await client.$transaction(
        async (tx) => {
          await applyAttemptChanges(tx, provider, attempts);
          await applyTaskChanges(tx, provider, tasks);
          for (const lost of lostStores) await markLost(tx, lost);
          for (const r of mergeByKey(runs, (c) => c.runId)) {
            await tx.run.update({ where: { id: r.runId }, data: runData(r) });
          }
        },
        { timeout: 120_000, maxWait: 30_000 },
      );
    },

    async list(filter = {}) {
      const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
      const status = filter.status;
      const rows = await client.run.findMany({
        where: {
          ...(status === undefined ? {} : { status: typeof status === "string" ? status : { in: [...status] } }),
          ...(filter.dagId === undefined ? {} : { dagId: filter.dagId }),
          ...(filter.dagName === undefined ? {} : { dagName: filter.dagName }),
          ...(filter.startedBy === undefined ? {} : { startedBy: filter.startedBy }),
          ...(filter.from === undefined && filter.to === undefined
            ? {}
            : { createdAt: { ...(filter.from === undefined ? {} : { gte: filter.from }), ...(filter.to === undefined ? {} : { lt: filter.to }) } }),
        },
        omit: { spec: true },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: limit + 1,
        ...(filter.cursor === undefined ? {} : { cursor: { id: filter.cursor }, skip: 1 }),
      });
      const page = rows.slice(0, limit);
      return {
        runs: page.map(toRunSummary),
        nextCursor: rows.length > limit ? page[page.length - 1]?.id : undefined,
      };
    },

    countTasks: (runIds) => countTasks(client, runIds),

    async findByIdempotencyKey(key) {
      const row = await client.run.findUnique({ where: { idempotencyKey: key }, select: { id: true, createdAt: true } });
      return row ?? undefined;
    },

    async releaseIdempotencyKey(key, before) {
      await client.run.updateMany({ where: { idempotencyKey: key, createdAt: { lt: before } }, data: { idempotencyKey: null } });
    },

    async get(runId) {
      const row = await client.run.findUnique({
        where: { id: runId },
        include: { tasks: { orderBy: { taskId: "asc" } } },
      });
      if (row === null) return undefined;
      const { tasks, ...run } = row;
      return { run: toRunRecord(run), tasks: tasks.map(toTaskRecord) };
    },

    async listAttempts(runId, taskId) {
      const rows = await client.attempt.findMany({
        where: { runId, ...(taskId === undefined ? {} : { taskId }) },
        orderBy: [{ taskId: "asc" }, { number: "asc" }],
      });
      return rows.map(toAttemptRecord);
    },

    async listInFlight() {
      const rows = await client.run.findMany({
        where: { status: { in: [RunStatus.Queued, RunStatus.Running] } },
        include: { tasks: true, attempts: { orderBy: [{ taskId: "asc" }, { number: "asc" }] } },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return rows.map(({ tasks, attempts, ...run }) => ({ run: toRunRecord(run), tasks: tasks.map(toTaskRecord), attempts: attempts.map(toAttemptRecord) }));
    },

    async markResultsLost(machine, currentStoreId, at) {
      return markLost(client, { machine, currentStoreId, at });
    },

    async findRecompute(parentRunId, taskId) {
      const row = await client.run.findFirst({
        where: { parentRunId, reason: "recompute", tasks: { some: { taskId } } },
        omit: { spec: true },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      });
      if (row === null) return undefined;
      const task = await client.task.findUnique({ where: { runId_taskId: { runId: row.id, taskId } } });
      return task === null ? undefined : { run: toRunSummary(row), task: toTaskRecord(task) };
    },

    async markInterrupted(at, runIds) {
      return client.$transaction(async (tx) => {
        const open = await tx.run.findMany({
          where: { status: { in: [RunStatus.Queued, RunStatus.Running] }, ...(runIds === undefined ? {} : { id: { in: [...runIds] } }) },
          select: { id: true },
        });
        const ids = open.map((r) => r.id);
        if (ids.length > 0) {
          await tx.run.updateMany({
            where: { id: { in: ids } },
            data: { status: RunStatus.Interrupted, finishedAt: at },
          });
        }
        return ids;
      });
    },
  };
}
