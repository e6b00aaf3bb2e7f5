import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Database } from "../open-database.ts";
import { copyMigratedSqlite, createMigratedPostgres } from "./migrated-template.ts";

export interface TestDatabase {
  /** The URL openDatabase() was given. */
  url: string;
  /** The open database; replaced by reopen(). */
  readonly db: Database;
  /** Closes and opens the same database again, as a server restart does. */
  reopen(): Promise<Database>;
  /** Closes the database and deletes it (temp folder / `DROP DATABASE`). */
  dispose(): Promise<void>;
}

export type TestProvider = "sqlite" | "postgresql";

/**
 * A fresh, migrated database that deletes itself: SQLite in a temp folder, or PostgreSQL as a new
 * database `handoff_test_<random>` on the server at `adminUrl` (both copies of a template migrated once, see
 * migrated-template.ts).
 * @example
 * const test = await openTestDatabase("postgresql", "postgresql://postgres@127.0.0.1:5432/postgres");
 * await test.db.tokens.list();
 * await test.dispose();
 */
export async function openTestDatabase(provider: TestProvider, adminUrl?: string): Promise<TestDatabase> {
  if (provider === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "handoff-db-"));
    const file = path.join(dir, "handoff.db");
    await copyMigratedSqlite(file);
    return track(`file:${file}`, async () => rmSync(dir, { recursive: true, force: true }));
  }
  if (adminUrl === undefined) throw new TypeError('openTestDatabase("postgresql") needs the server\'s URL');
  const name = `handoff_test_${randomBytes(6).toString("hex")}`;
  await withAdmin(adminUrl, (admin) => createMigratedPostgres(admin, adminUrl, name));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    await withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };
  try {
    return await track(url.href, drop);
  } catch (error) {
    await drop();
    throw error;
  }
}

async function track(url: string, remove: () => Promise<void>): Promise<TestDatabase> {
  let current = await openDatabase(url);
  return {
    url,
    get db() {
      return current;
    },
    async reopen() {
      await current.close();
      current = await openDatabase(url);
      return current;
    },
    async dispose() {
      await current.close();
      await remove();
    },
  };
}

async function withAdmin<T>(adminUrl: string, work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Why PostgreSQL cannot be used, or undefined when a connection succeeds within `timeoutMs`. */
export async function probePostgres(url: string, timeoutMs = 2000): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
