import type { DatabaseProvider, TransactionClient } from "./database-client.ts";

/** Runs one SQL statement with positional parameters and answers how many rows it changed. */
export type RawExec = (sql: string, params: readonly unknown[]) => Promise<number>;

/** A Prisma transaction as a `RawExec`. */
export const prismaExec = (tx: TransactionClient): RawExec => (sql, params) => tx.$executeRawUnsafe(sql, ...params);

// The scheduler's write-behind can change thousands of rows per tick; one Prisma call per row costs
// ~0.5 ms (PostgreSQL) each. These helpers write many rows per statement with portable SQL
// (CTE + VALUES, UPDATE ... FROM, INSERT ... ON CONFLICT: SQLite ≥ 3.33 and PostgreSQL both have them).

export type ColumnType = "text" | "int" | "bool" | "timestamp";
export type Columns = Readonly<Record<string, ColumnType>>;
type Row = Readonly<Record<string, unknown>>;

const maxParamsPerStatement = 30_000; // SQLite allows 32766, PostgreSQL 65535

const pgCast: Record<ColumnType, string> = { text: "text", int: "integer", bool: "boolean", timestamp: "timestamp(3)" };

const quote = (name: string) => `"${name}"`;

export function encode(provider: DatabaseProvider, type: ColumnType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  // SQLite keeps booleans as 0/1, as Prisma reads them.
  if (type === "bool") return provider === "sqlite" ? (value === true ? 1 : 0) : value === true;
  if (type === "timestamp") {
    if (!(value instanceof Date)) throw new TypeError(`expected a Date, got ${typeof value}`);
    // SQLite: the format Prisma's better-sqlite3 adapter writes; PostgreSQL: cast from text (UTC, like Prisma).
    return provider === "sqlite" ? value.toISOString().replace("Z", "+00:00") : value.toISOString();
  }
  return value;
}

function valuesClause(provider: DatabaseProvider, names: readonly string[], types: readonly ColumnType[], rows: readonly Row[], params: unknown[]): string {
  return rows
    .map((row) => {
      const cells = names.map((name, i) => {
        const type = types[i]!;
        params.push(encode(provider, type, row[name]));
        return provider === "sqlite" ? "?" : `$${params.length}::${pgCast[type]}`;
      });
      return `(${cells.join(", ")})`;
    })
    .join(", ");
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `UPDATE table SET <set columns> FROM (VALUES ...) WHERE <keys match>` — rows must all carry the same set columns. */
export async function bulkUpdate(
  exec: RawExec,
  provider: DatabaseProvider,
  table: string,
  keys: Columns,
  set: Columns,
  rows: readonly Row[],
): Promise<void> {
  const names = [...Object.keys(keys), ...Object.keys(set)];
  const types = [...Object.values(keys), ...Object.values(set)];
  if (Object.keys(set).length === 0) return;
  for (const chunk of chunks(rows, Math.floor(maxParamsPerStatement / names.length))) {
    const params: unknown[] = [];
    const values = valuesClause(provider, names, types, chunk, params);
    const assignments = Object.keys(set).map((c) => `${quote(c)} = v.${quote(c)}`).join(", ");
    const match = Object.keys(keys).map((k) => `${quote(table)}.${quote(k)} = v.${quote(k)}`).join(" AND ");
    const sql = `WITH v(${names.map(quote).join(", ")}) AS (VALUES ${values}) UPDATE ${quote(table)} SET ${assignments} FROM v WHERE ${match}`;
    const count = await exec(sql, params);
    // A change to a row that does not exist is a caller bug: fail the whole batch (the transaction rolls back).
    if (count !== chunk.length) throw new Error(`${table}: ${chunk.length - count} of ${chunk.length} changed rows do not exist`);
  }
}

/** Plain multi-row `INSERT`: a duplicate key fails the statement (and the caller's transaction). */
export async function bulkInsert(exec: RawExec, provider: DatabaseProvider, table: string, columns: Columns, rows: readonly Row[]): Promise<void> {
  await bulkUpsert(exec, provider, table, undefined, columns, [], rows);
}

/** `INSERT ... ON CONFLICT (key) DO UPDATE SET <update columns>` — rows must all carry the same columns. */
export async function bulkUpsert(
  exec: RawExec,
  provider: DatabaseProvider,
  table: string,
  key: string | undefined,
  columns: Columns,
  updateColumns: readonly string[],
  rows: readonly Row[],
): Promise<void> {
  const names = Object.keys(columns);
  const types = Object.values(columns);
  for (const chunk of chunks(rows, Math.floor(maxParamsPerStatement / names.length))) {
    const params: unknown[] = [];
    const values = valuesClause(provider, names, types, chunk, params);
    const onConflict =
      key === undefined
        ? ""
        : updateColumns.length === 0
          ? ` ON CONFLICT (${quote(key)}) DO NOTHING`
          : ` ON CONFLICT (${quote(key)}) DO UPDATE SET ${updateColumns.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(", ")}`;
    const sql = `INSERT INTO ${quote(table)} (${names.map(quote).join(", ")}) VALUES ${values}${onConflict}`;
    await exec(sql, params);
  }
}

/** Folds changes to the same row into one (later fields win), keeping first-seen order. */
export function mergeByKey<T extends object>(changes: readonly T[], keyOf: (change: T) => string): T[] {
  const merged = new Map<string, T>();
  for (const change of changes) {
    const key = keyOf(change);
    const previous = merged.get(key);
    if (previous === undefined) {
      merged.set(key, { ...change });
      continue;
    }
    for (const [field, value] of Object.entries(change)) {
      if (value !== undefined) (previous as Record<string, unknown>)[field] = value;
    }
  }
  return [...merged.values()];
}

/** Groups rows by which of `fields` they set (not undefined), so each group shares one statement shape. */
export function groupByShape<T extends object>(rows: readonly T[], fields: readonly string[]): Map<string, { fields: string[]; rows: T[] }> {
  const groups = new Map<string, { fields: string[]; rows: T[] }>();
  for (const row of rows) {
    const present = fields.filter((f) => (row as Record<string, unknown>)[f] !== undefined);
    const key = present.join(",");
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { fields: present, rows: [row] });
    else group.rows.push(row);
  }
  return groups;
}
