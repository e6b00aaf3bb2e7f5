#!/usr/bin/env node
// Writes prisma/postgres/schema.prisma from prisma/sqlite/schema.prisma: same models, only the
// header (generator + datasource) differs. `--check` exits 1 instead of writing when they drift.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const sqlitePath = path.join(root, "prisma/sqlite/schema.prisma");
const postgresPath = path.join(root, "prisma/postgres/schema.prisma");
const MARKER = "// --- models (identical in both schemas) ---";

const POSTGRES_HEADER = `// GENERATED from prisma/sqlite/schema.prisma by packages/db/scripts/sync-schemas.mjs — do not edit.
// Edit the SQLite schema, then run \`pnpm --filter @handoff/db sync-schemas\`.

generator client {
  provider               = "prisma-client"
  output                 = "../../packages/db/src/generated/postgres"
  engineType             = "client"
  runtime                = "nodejs"
  moduleFormat           = "esm"
  importFileExtension    = "ts"
  generatedFileExtension = "ts"
}

datasource db {
  provider = "postgresql"
  url      = env("HANDOFF_POSTGRES_URL")
}

`;

const source = readFileSync(sqlitePath, "utf8");
const at = source.indexOf(MARKER);
if (at < 0) {
  console.error(`sync-schemas: marker "${MARKER}" not found in ${sqlitePath}`);
  process.exit(2);
}
const expected = POSTGRES_HEADER + source.slice(at);

if (process.argv.includes("--check")) {
  let actual = "";
  try {
    actual = readFileSync(postgresPath, "utf8");
  } catch {
    // missing file counts as drift
  }
  if (actual !== expected) {
    console.error("sync-schemas: prisma/postgres/schema.prisma has drifted from prisma/sqlite/schema.prisma; run `pnpm --filter @handoff/db sync-schemas`");
    process.exit(1);
  }
  console.log("sync-schemas: schemas agree");
} else {
  writeFileSync(postgresPath, expected);
  console.log(`sync-schemas: wrote ${path.relative(root, postgresPath)}`);
}
