#!/usr/bin/env node
// Usage: pnpm --filter @handoff/db new-migration <name>
// After editing prisma/sqlite/schema.prisma: syncs the PostgreSQL schema, then writes
// prisma/{sqlite,postgres}/migrations/<NNNN>_<name>/migration.sql with `prisma migrate diff`
// (migrations folder → schema). Needs PostgreSQL (HANDOFF_POSTGRES_URL, default the local server) for
// the shadow database. Never uses `migrate dev` (it hangs ~60 s here).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: new-migration <snake_case_name>");
  process.exit(2);
}
const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const root = path.resolve(pkg, "../..");
const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
const env = {
  ...process.env,
  HANDOFF_POSTGRES_URL: process.env.HANDOFF_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
};

const sync = spawnSync(process.execPath, [path.join(pkg, "scripts/sync-schemas.mjs")], { stdio: "inherit" });
if (sync.status !== 0) process.exit(sync.status ?? 1);

for (const [provider, config] of [["sqlite", "prisma.sqlite.config.ts"], ["postgres", "prisma.postgres.config.ts"]]) {
  const migrations = path.join(root, "prisma", provider, "migrations");
  const count = readdirSync(migrations, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
  const folder = path.join(migrations, `${String(count + 1).padStart(4, "0")}_${name}`);
  const diff = spawnSync(
    process.execPath,
    ["--import", path.join(pkg, "scripts/unref-long-timers.mjs"), cli, "migrate", "diff", "--config", config,
      "--from-migrations", migrations, "--to-schema-datamodel", path.join(root, "prisma", provider, "schema.prisma"), "--script"],
    { cwd: pkg, env, encoding: "utf8" },
  );
  if (diff.status !== 0) {
    process.stderr.write(diff.stdout + diff.stderr);
    process.exit(diff.status ?? 1);
  }
  if (!/\S/.test(diff.stdout.replace(/^-- This is an empty migration\.\s*$/m, ""))) {
    console.log(`${provider}: no changes, no migration written`);
    continue;
  }
  if (existsSync(folder)) throw new Error(`${folder} exists`);
  mkdirSync(folder);
  writeFileSync(path.join(folder, "migration.sql"), diff.stdout);
  console.log(`${provider}: wrote ${path.relative(root, folder)}/migration.sql`);
}
