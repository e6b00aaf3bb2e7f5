import { randomUUID } from "node:crypto";
import { prismaChangeWriter, type ChangeWriter } from "./change-writer.ts";
import type { DatabaseClient, DatabaseProvider, TransactionClient } from "./database-client.ts";
import { checkEpochIn } from "./leader-lease.ts";
import { countTasks, inlineTaskIds, type TaskCounts } from "./task-counts.ts";
import { toJsonColumn, toOptionalJsonColumn } from "./json-column.ts";
import { RunStatus } from "@handoff/core";
import {
  toAttemptRecord,
  toRunRecord,
  toRunSummary,
  toTaskRecord,
  type AttemptRecord, type ChangeBatch, type InFlightRun, type LostStore, type NewRun, type RunFilter, type RunPage, type RunRecord, type RunSummary, type TaskRecord,
} from "./run-records.ts";


export interface RunRepository {
  /** The run and all its tasks, in one transaction (replicas: fenced by the leader lease's `epoch`, see `fenced`). */
  create(run: NewRun, epoch?: number): Promise<RunRecord>;
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
  markInterrupted(at: Date, runIds?: readonly string[], epoch?: number): Promise<string[]>;
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


async function markLost(tx: TransactionClient | DatabaseClient, { machine, currentStoreId, at }: LostStore): Promise<number> {
  const { count } = await tx.task.updateMany({
    where: { resultMachine: machine, lostAt: null, resultStoreId: { not: null }, NOT: { resultStoreId: currentStoreId } },
    data: { lostAt: at, lostMachine: machine },
  });
  return count;
}

/**
 * Storage of runs, their tasks and attempts. Only the scheduler writes run state (one writer).
 * @example
 * const runs = createRunRepository(client, "sqlite");
 * await runs.create({ dagId, dagVersion: 3, spec, options: {}, status: "queued", startedBy: "alice", tasks: [{ taskId: "a", state: "waiting_for_resources" }] });
 * await runs.applyChanges({ tasks: [{ runId, taskId: "a", state: "running", machine: "m1", attempts: 1 }] });
 */
export function createRunRepository(client: DatabaseClient, provider: DatabaseProvider, writer: ChangeWriter = prismaChangeWriter(client, provider)): RunRepository {
  return {
    async create(run, epoch) {
      const record: RunRecord = {
        id: run.id ?? randomUUID(),
        dagId: run.dagId,
        dagVersion: run.dagVersion,
        dagName: run.dagName ?? null,
        spec: run.spec,
        options: run.options,
        status: run.status,
        startedBy: run.startedBy,
        createdAt: run.createdAt ?? new Date(),
        startedAt: null,
        finishedAt: null,
        outcome: null,
        parentRunId: run.parentRunId ?? null,
        reason: run.reason ?? null,
        triggerId: run.triggerId ?? null,
        params: run.params ?? null,
        template: run.template ?? null,
      };
      const stored = { ...record, idempotencyKey: run.idempotencyKey ?? null };
      const row = { ...stored, spec: toJsonColumn(run.spec), options: toJsonColumn(run.options), params: toOptionalJsonColumn(run.params), template: toOptionalJsonColumn(run.template) };
      const inline = inlineTaskIds(run.spec);
      const tasks = run.tasks.map((t) => ({ runId: record.id, taskId: t.taskId, state: t.state, reason: t.reason ?? null, attempts: 0, inline: t.inline ?? inline.has(t.taskId) }));
      // On the writer's own connection, with its statements: Prisma's interactive transaction cost ~2 ms per run (#15).
      await writer.createRun(row, tasks, epoch);
      return stored;
    },

    applyChanges: (batch) => writer.apply(batch),

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
        omit: { spec: true, template: true },
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
        omit: { spec: true, template: true },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      });
      if (row === null) return undefined;
      const task = await client.task.findUnique({ where: { runId_taskId: { runId: row.id, taskId } } });
      return task === null ? undefined : { run: toRunSummary(row), task: toTaskRecord(task) };
    },

    async markInterrupted(at, runIds, epoch) {
      return client.$transaction(async (tx) => {
        if (epoch !== undefined) await checkEpochIn(tx, epoch);
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
