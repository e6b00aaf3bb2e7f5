import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import type { DatabaseProvider } from "./database-client.ts";

/** Where a database lives, as parsed from its URL. */
export type DatabaseLocation = { provider: "sqlite"; path: string } | { provider: "postgresql"; url: string };

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const unrefLongTimers = new URL("../scripts/unref-long-timers.mjs", import.meta.url).href;

const providerFiles = {
  sqlite: {
    config: "prisma.sqlite.config.ts",
    migrations: new URL("../../../prisma/sqlite/migrations/", import.meta.url),
    urlVariable: "HANDOFF_SQLITE_URL",
  },
  postgresql: {
    config: "prisma.postgres.config.ts",
    migrations: new URL("../../../prisma/postgres/migrations/", import.meta.url),
    urlVariable: "HANDOFF_POSTGRES_URL",
  },
} as const;

function migrationNames(provider: DatabaseProvider): string[] {
  const dir = fileURLToPath(providerFiles[provider].migrations);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(`${dir}/${e.name}/migration.sql`))
    .map((e) => e.name)
    .sort();
}

/** A digest of a provider's migrations (names and SQL, in order): equal digests, equal schemas. */
export function migrationsDigest(provider: DatabaseProvider): string {
  const dir = fileURLToPath(providerFiles[provider].migrations);
  const hash = createHash("sha256");
  for (const name of migrationNames(provider)) hash.update(`${name}\0`).update(readFileSync(`${dir}/${name}/migration.sql`)).update("\0");
  return hash.digest("hex");
}

const appliedQuery = `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;

// Checked with the plain driver on a short-lived connection, before Prisma opens its own: the CLI
// then migrates a database nobody else holds open.
async function appliedMigrations(location: DatabaseLocation): Promise<Set<string>> {
  if (location.provider === "sqlite") {
    const db = new BetterSqlite3(location.path, { timeout: 5000 });
    try {
      // WAL is a property of the file: set once, it holds for every later connection (the CLI's too).
      db.pragma("journal_mode = WAL");
      const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
      if (hasTable === undefined) return new Set();
      return new Set((db.prepare(appliedQuery).all() as { migration_name: string }[]).map((r) => r.migration_name));
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  try {
    const exists = await client.query<{ exists: boolean }>(`SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "exists"`);
    if (exists.rows[0]?.exists !== true) return new Set();
    const rows = await client.query<{ migration_name: string }>(appliedQuery);
    return new Set(rows.rows.map((r) => r.migration_name));
  } finally {
    await client.end();
  }
}

/**
 * Brings the database to the newest migration with `prisma migrate deploy` (the real CLI, through the
 * configs beside package.json, so its locking and checksums apply). The CLI (~0.8 s) is only started when
 * a migration in prisma/<provider>/migrations is not recorded as applied; re-opening a current database costs one query.
 */
export async function deployMigrations(location: DatabaseLocation): Promise<void> {
  const provider = location.provider;
  const url = location.provider === "sqlite" ? `file:${location.path}` : location.url;
  const applied = await appliedMigrations(location);
  if (migrationNames(provider).every((name) => applied.has(name))) return;

  const files = providerFiles[provider];
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  const env = {
    ...process.env,
    [files.urlVariable]: url,
    CHECKPOINT_DISABLE: "1", // no telemetry call home
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  };
  const output: Buffer[] = [];
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", unrefLongTimers, cli, "migrate", "deploy", "--config", files.config], {
      cwd: packageDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("error", reject);
    child.on("close", resolve);
  });
  if (exitCode !== 0) {
    throw new Error(`prisma migrate deploy (${provider}) failed with exit ${exitCode}:\n${Buffer.concat(output).toString("utf8")}`);
  }
}
