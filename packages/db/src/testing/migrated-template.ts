import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import type pg from "pg";
import { migrationsDigest } from "../deploy-migrations.ts";
import { openDatabase } from "../open-database.ts";

// Tests open hundreds of fresh databases. Each used to start `prisma migrate deploy` (~0.8 s on a quiet machine, ~20 s
// with the whole suite running on 2 cores). Now the real CLI migrates one template per set of migrations, and every
// fresh database is a copy of it: the same bytes (SQLite) or PostgreSQL's own `CREATE DATABASE … TEMPLATE`.
// The path that migrates an empty database stays tested by open-database.test.ts and by servers started on new files.

// Read once per process: the migrations do not change while tests run.
let sqliteTemplate: Promise<string> | undefined;
let postgresTemplate: string | undefined;

/** Copies a migrated SQLite database to `file` (which must not exist). */
export async function copyMigratedSqlite(file: string): Promise<void> {
  sqliteTemplate ??= buildSqliteTemplate(migrationsDigest("sqlite"));
  copyFileSync(await sqliteTemplate, file);
}

async function buildSqliteTemplate(digest: string): Promise<string> {
  const file = path.join(tmpdir(), `handoff-template-${digest.slice(0, 16)}.db`);
  if (existsSync(file)) return file;
  const dir = mkdtempSync(path.join(tmpdir(), "handoff-template-"));
  try {
    const building = path.join(dir, "handoff.db");
    await (await openDatabase(`file:${building}`)).close();
    // Everything into the main file, so that copying that one file copies the database.
    const raw = new BetterSqlite3(building);
    raw.pragma("wal_checkpoint(TRUNCATE)");
    raw.close();
    // Atomic: another process building the same template at once replaces it with the same schema.
    renameSync(building, file);
    return file;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Any constant shared by every test process: it serializes building the template and copying it (PostgreSQL refuses
// to copy a template someone is connected to).
const TEMPLATE_LOCK = 0x48414e44;

/** Creates the PostgreSQL database `name` as a copy of a migrated template (built once per set of migrations). */
export async function createMigratedPostgres(admin: pg.Client, adminUrl: string, name: string): Promise<void> {
  postgresTemplate ??= `handoff_template_${migrationsDigest("postgresql").slice(0, 16)}`;
  const template = postgresTemplate;
  await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
  try {
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [template]);
    if (found.rowCount === 0) await buildPostgresTemplate(admin, adminUrl, template);
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]);
  }
}

async function buildPostgresTemplate(admin: pg.Client, adminUrl: string, template: string): Promise<void> {
  // Templates of older migration sets are of no further use.
  const stale = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'handoff\\_template\\_%'");
  for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  const building = `${template}_building`;
  await admin.query(`CREATE DATABASE "${building}"`);
  try {
    const url = new URL(adminUrl);
    url.pathname = `/${building}`;
    await (await openDatabase(url.href)).close();
    // Whatever the pool left connected would make the rename (and every later copy) fail.
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [building]);
    await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
  } catch (error) {
    await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
    throw error;
  }
}
