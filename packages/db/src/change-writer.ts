import type BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { bulkInsert, bulkUpdate, bulkUpsert, encode, groupByShape, mergeByKey, prismaExec, type ColumnType, type Columns, type RawExec } from "./bulk-write.ts";
import type { DatabaseClient, DatabaseProvider } from "./database-client.ts";
import { toOptionalJsonColumn } from "./json-column.ts";
import { checkEpoch, checkEpochIn } from "./leader-lease.ts";
import { truncatePreview, type AttemptChange, type ChangeBatch, type LostStore, type RunChange, type TaskChange } from "./run-records.ts";

// The scheduler's write-behind writes every tick's changes in one transaction. Through Prisma each statement with
// thousands of parameters crossed its query engine (~150 µs per task and attempt row, issue #15); this writer talks
// to the driver itself: on SQLite one cached prepared statement per row shape on Prisma's own connection, on
// PostgreSQL the multi-row statements of bulk-write.ts on a connection of its own. Same SQL semantics either way.

export const taskColumns = {
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
  codeHash: "text",
  reusedFrom: "text",
} as const satisfies Columns;

const attemptRequiredColumns = { id: "text", runId: "text", taskId: "text", number: "int", state: "text" } as const satisfies Columns;
const attemptOptionalColumns = {
  machine: "text",
  startedAt: "timestamp",
  finishedAt: "timestamp",
  errorKind: "text",
  errorMessage: "text",
  metrics: "text",
  placement: "text",
} as const satisfies Columns;
const runColumns = { status: "text", startedAt: "timestamp", finishedAt: "timestamp", outcome: "text" } as const satisfies Columns;

type Row = Readonly<Record<string, unknown>>;
type Group = { readonly columns: Columns; readonly fields: readonly string[]; readonly rows: readonly Row[] };

/** One batch as rows ready to write: changes to one row folded (last wins), grouped by the columns they set. */
interface PreparedBatch {
  readonly attempts: readonly Group[];
  readonly tasks: readonly Group[];
  readonly lostStores: readonly LostStore[];
  readonly runs: readonly Group[];
}

const pick = (columns: Columns, names: readonly string[]): Columns => Object.fromEntries(names.map((n) => [n, columns[n]!]));

function prepare(batch: ChangeBatch): PreparedBatch {
  const attempts = mergeByKey(batch.attempts ?? [], (c: AttemptChange) => c.id).map((c) =>
    c.metrics === undefined && c.placement === undefined
      ? c
      : { ...c, ...(c.metrics === undefined ? {} : { metrics: toOptionalJsonColumn(c.metrics) }), ...(c.placement === undefined ? {} : { placement: toOptionalJsonColumn(c.placement) }) },
  );
  const tasks = mergeByKey(batch.tasks ?? [], (c: TaskChange) => `${c.runId}\u0000${c.taskId}`).map((c) =>
    c.resultPreview === undefined || c.resultPreview === null ? c : { ...c, resultPreview: truncatePreview(c.resultPreview) },
  );
  const runs = mergeByKey(batch.runs ?? [], (c: RunChange) => c.runId).map((c) => (c.outcome === undefined ? c : { ...c, outcome: toOptionalJsonColumn(c.outcome) }));
  const groups = (rows: readonly object[], optional: Columns, required: Columns): Group[] =>
    [...groupByShape(rows, Object.keys(optional)).values()].map(({ fields, rows: grouped }) => ({ columns: { ...required, ...pick(optional, fields) }, fields, rows: grouped as Row[] }));
  return {
    attempts: groups(attempts, attemptOptionalColumns, attemptRequiredColumns),
    tasks: groups(tasks, taskColumns, {}),
    lostStores: batch.lostStores ?? [],
    runs: groups(runs, runColumns, {}),
  };
}

const isEmpty = (batch: ChangeBatch): boolean => (batch.attempts?.length ?? 0) + (batch.tasks?.length ?? 0) + (batch.runs?.length ?? 0) + (batch.lostStores?.length ?? 0) === 0;

const q = (name: string): string => `"${name}"`;
const lostSql = (p: (i: number) => string): string =>
  `UPDATE "Task" SET "lostAt" = ${p(1)}, "lostMachine" = ${p(2)} WHERE "resultMachine" = ${p(3)} AND "lostAt" IS NULL AND "resultStoreId" IS NOT NULL AND "resultStoreId" <> ${p(4)}`;

/** Writes a prepared batch with multi-row statements (attempts, then tasks, then lost stores, then runs). */
async function writeWithStatements(exec: RawExec, provider: DatabaseProvider, batch: PreparedBatch): Promise<void> {
  for (const group of batch.attempts) await bulkUpsert(exec, provider, "Attempt", "id", group.columns, ["state", ...group.fields], group.rows);
  for (const group of batch.tasks) await bulkUpdate(exec, provider, "Task", { runId: "text", taskId: "text" }, group.columns, group.rows);
  const p = provider === "sqlite" ? () => "?" : (i: number) => `$${i}`;
  for (const lost of batch.lostStores) {
    await exec(lostSql(provider === "sqlite" ? p : (i) => `${p(i)}::${i === 1 ? "timestamp(3)" : "text"}`), [encode(provider, "timestamp", lost.at), lost.machine, lost.machine, lost.currentStoreId]);
  }
  for (const group of batch.runs) {
    const names = Object.keys(group.columns);
    if (names.length === 0) continue;
    const cast = (i: number, type: ColumnType): string => (provider === "sqlite" ? "?" : `$${i}::${type === "timestamp" ? "timestamp(3)" : type === "int" ? "integer" : "text"}`);
    const sql = `UPDATE "Run" SET ${names.map((n, i) => `${q(n)} = ${cast(i + 1, group.columns[n]!)}`).join(", ")} WHERE "id" = ${provider === "sqlite" ? "?" : `$${names.length + 1}`}`;
    for (const row of group.rows) {
      const count = await exec(sql, [...names.map((n) => encode(provider, group.columns[n]!, row[n])), row["runId"]]);
      if (count !== 1) throw new Error(`Run: the changed run ${String(row["runId"])} does not exist`);
    }
  }
}

/** A new run's task rows, as `runs.create` inserts them. */
export const newTaskColumns = { runId: "text", taskId: "text", state: "text", reason: "text", attempts: "int", inline: "bool" } as const satisfies Columns;

/** A new run's row, as `runs.create` inserts it (JSON columns already encoded as text). */
export const newRunColumns = {
  id: "text",
  dagId: "text",
  dagVersion: "int",
  dagName: "text",
  spec: "text",
  options: "text",
  status: "text",
  startedBy: "text",
  parentRunId: "text",
  reason: "text",
  triggerId: "text",
  idempotencyKey: "text",
  params: "text",
  template: "text",
  createdAt: "timestamp",
} as const satisfies Columns;

/** The write-behind's writer for one database: `apply` writes a batch in one transaction. */
export interface ChangeWriter {
  apply(batch: ChangeBatch): Promise<void>;
  /**
   * A new run's row and its task rows in one transaction (fenced by `epoch` when given). A second run with the same
   * idempotency key fails with the driver's unique violation (see `isUniqueViolation`), nothing written.
   */
  createRun(run: Row, tasks: readonly Row[], epoch?: number): Promise<void>;
  close(): Promise<void>;
}

/** The run's row, then its tasks, with multi-row statements through `exec` (inside the caller's transaction). */
async function createRunWithStatements(exec: RawExec, provider: DatabaseProvider, run: Row, tasks: readonly Row[]): Promise<void> {
  await bulkInsert(exec, provider, "Run", newRunColumns, [run]);
  await bulkInsert(exec, provider, "Task", newTaskColumns, tasks);
}

/** Through Prisma's interactive transaction (the fallback when the driver cannot be reached directly). */
export function prismaChangeWriter(client: DatabaseClient, provider: DatabaseProvider): ChangeWriter {
  return {
    async apply(batch) {
      if (isEmpty(batch)) return;
      const prepared = prepare(batch);
      await client.$transaction((tx) => writeWithStatements(prismaExec(tx), provider, prepared), { timeout: 120_000, maxWait: 30_000 });
    },
    async createRun(run, tasks, epoch) {
      await client.$transaction(
        async (tx) => {
          if (epoch !== undefined) await checkEpochIn(tx, epoch);
          await createRunWithStatements(prismaExec(tx), provider, run, tasks);
        },
        { timeout: 120_000, maxWait: 30_000 },
      );
    },
    close: () => Promise.resolve(),
  };
}

/**
 * SQLite on the connection Prisma's adapter uses (so no second connection competes for the file's lock): the batch
 * runs synchronously in one `BEGIN IMMEDIATE` … `COMMIT`, with one cached prepared statement per row shape, at a
 * moment when no Prisma transaction is open on the connection (it waits for one to end).
 */
export function sqliteChangeWriter(connection: BetterSqlite3.Database): ChangeWriter {
  const statements = new Map<string, BetterSqlite3.Statement>();
  const statement = (sql: string): BetterSqlite3.Statement => {
    let found = statements.get(sql);
    if (found === undefined) {
      found = connection.prepare(sql);
      statements.set(sql, found);
    }
    return found;
  };
  const run = (sql: string, params: readonly unknown[]): number => statement(sql).run(...params).changes;
  const values = (columns: Columns, names: readonly string[], row: Row): unknown[] => names.map((n) => encode("sqlite", columns[n]!, row[n]));

  const write = (batch: PreparedBatch): void => {
    for (const group of batch.attempts) {
      const names = Object.keys(group.columns);
      const update = ["state", ...group.fields].map((n) => `${q(n)} = excluded.${q(n)}`).join(", ");
      const sql = `INSERT INTO "Attempt" (${names.map(q).join(", ")}) VALUES (${names.map(() => "?").join(", ")}) ON CONFLICT ("id") DO UPDATE SET ${update}`;
      for (const row of group.rows) run(sql, values(group.columns, names, row));
    }
    for (const group of batch.tasks) {
      const names = Object.keys(group.columns);
      if (names.length === 0) continue;
      const sql = `UPDATE "Task" SET ${names.map((n) => `${q(n)} = ?`).join(", ")} WHERE "runId" = ? AND "taskId" = ?`;
      let missing = 0;
      for (const row of group.rows) missing += 1 - run(sql, [...values(group.columns, names, row), row["runId"], row["taskId"]]);
      // A change to a row that does not exist is a caller bug: fail the whole batch (the transaction rolls back).
      if (missing > 0) throw new Error(`Task: ${missing} of ${group.rows.length} changed rows do not exist`);
    }
    for (const lost of batch.lostStores) run(lostSql(() => "?"), [encode("sqlite", "timestamp", lost.at), lost.machine, lost.machine, lost.currentStoreId]);
    for (const group of batch.runs) {
      const names = Object.keys(group.columns);
      if (names.length === 0) continue;
      const sql = `UPDATE "Run" SET ${names.map((n) => `${q(n)} = ?`).join(", ")} WHERE "id" = ?`;
      for (const row of group.rows) {
        if (run(sql, [...values(group.columns, names, row), row["runId"]]) !== 1) throw new Error(`Run: the changed run ${String(row["runId"])} does not exist`);
      }
    }
  };
  const transaction = connection.transaction(write);
  /** One row's insert into `table`, its SQL made once (not per row: a run inserts thousands of task rows). */
  const inserter = (table: string, columns: Columns): ((row: Row) => void) => {
    const names = Object.keys(columns);
    const sql = `INSERT INTO ${q(table)} (${names.map(q).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`;
    return (row) => void run(sql, values(columns, names, row));
  };
  const insertRunRow = inserter("Run", newRunColumns);
  const insertTaskRow = inserter("Task", newTaskColumns);
  const insertRun = connection.transaction((row: Row, tasks: readonly Row[]) => {
    insertRunRow(row);
    for (const task of tasks) insertTaskRow(task);
  });

  /**
   * Runs `write` once no Prisma transaction is open on the connection: an interactive one spans several turns of the
   * event loop on this same connection, and a write inside it would join it. Replicas' epochs need PostgreSQL.
   */
  const writeAlone = async (epoch: number | undefined, write: () => void): Promise<void> => {
    if (epoch !== undefined) throw new Error("a leader lease epoch on SQLite: replicas need PostgreSQL");
    while (connection.inTransaction) await new Promise((resolve) => setTimeout(resolve, 1));
    write();
  };

  return {
    async apply(batch) {
      if (isEmpty(batch)) return;
      const prepared = prepare(batch);
      await writeAlone(batch.epoch, () => transaction.immediate(prepared));
    },
    createRun: (run, tasks, epoch) => writeAlone(epoch, () => insertRun.immediate(run, tasks)),
    close: () => Promise.resolve(),
  };
}

/** PostgreSQL on a connection of its own: the multi-row statements in `BEGIN` … `COMMIT`. */
export function postgresChangeWriter(url: string): ChangeWriter {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  // An idle connection the server drops (a restart, a failover, an admin's terminate) emits "error" on the pool; with no
  // listener that event would end the process. The pool forgets the client and the next batch connects anew.
  pool.on("error", () => undefined);
  /** `write` inside `BEGIN` … `COMMIT` on the writer's connection, after the lease check when `epoch` is given. */
  const inTransaction = async (epoch: number | undefined, write: (exec: RawExec) => Promise<void>): Promise<void> => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      if (epoch !== undefined) await checkEpoch((sql, params) => client.query<{ epoch: number }>(sql, [...params]), epoch);
      await write(async (sql, params) => (await client.query(sql, [...params])).rowCount ?? 0);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };
  return {
    async apply(batch) {
      if (isEmpty(batch)) return;
      const prepared = prepare(batch);
      await inTransaction(batch.epoch, (exec) => writeWithStatements(exec, "postgresql", prepared));
    },
    createRun: (run, tasks, epoch) => inTransaction(epoch, (exec) => createRunWithStatements(exec, "postgresql", run, tasks)),
    close: () => pool.end(),
  };
}
