import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { postgresTestServer } from "./testing/describe-each-database.ts";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");

const models = (file: string) => {
  const text = readFileSync(`${root}/${file}`, "utf8");
  return text.slice(text.indexOf("// --- models"));
};

/** `prisma migrate diff --exit-code`: 0 = migrations produce exactly the schema, 2 = they differ. */
function diffMigrationsAgainstSchema(provider: "sqlite" | "postgres") {
  return spawnSync(
    process.execPath,
    [
      "--import", "./scripts/unref-long-timers.mjs", prismaCli, "migrate", "diff", "--config", `prisma.${provider}.config.ts`,
      "--from-migrations", `${root}/prisma/${provider}/migrations`, "--to-schema-datamodel", `${root}/prisma/${provider}/schema.prisma`,
      "--exit-code",
    ],
    {
      cwd: packageDir,
      encoding: "utf8",
      env: { ...process.env, HANDOFF_POSTGRES_URL: postgresTestServer.url, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    },
  );
}

describe("when the SQLite and PostgreSQL schemas are compared", () => {
  it("finds identical models", () => {
    expect(models("prisma/postgres/schema.prisma")).toBe(models("prisma/sqlite/schema.prisma"));
  });

  it("finds the PostgreSQL schema exactly as sync-schemas would write it", () => {
    const check = spawnSync(process.execPath, ["scripts/sync-schemas.mjs", "--check"], { cwd: packageDir, encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});

describe("when the SQLite migrations are replayed", () => {
  it("produces exactly the SQLite schema (no model change without a migration)", () => {
    const diff = diffMigrationsAgainstSchema("sqlite");
    expect(diff.stdout + diff.stderr).toContain("No difference detected");
    expect(diff.status).toBe(0);
  });
});

describe.skipIf(postgresTestServer.isSkipped)("when the PostgreSQL migrations are replayed", () => {
  it("produces exactly the PostgreSQL schema (no model change without a migration)", () => {
    if (postgresTestServer.problem !== undefined) throw new Error(`PostgreSQL unreachable: ${postgresTestServer.problem}`);
    const diff = diffMigrationsAgainstSchema("postgres");
    expect(diff.stdout + diff.stderr).toContain("No difference detected");
    expect(diff.status).toBe(0);
  });
});
