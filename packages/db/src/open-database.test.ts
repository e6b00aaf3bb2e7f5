import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase, parseDatabaseUrl } from "./open-database.ts";
import { describeEachDatabase, postgresTestServer } from "./testing/describe-each-database.ts";

describe("when a database URL is parsed", () => {
  it("recognises PostgreSQL by its scheme", () => {
    expect(parseDatabaseUrl("postgres://u@h/db")).toEqual({ provider: "postgresql", url: "postgres://u@h/db" });
    expect(parseDatabaseUrl("postgresql://u@h:5433/db").provider).toBe("postgresql");
  });

  it("treats file: URLs and plain paths as SQLite files, resolved to absolute paths", () => {
    expect(parseDatabaseUrl("file:./data/h.db")).toEqual({ provider: "sqlite", path: path.resolve("data/h.db") });
    expect(parseDatabaseUrl("file:/var/h.db")).toEqual({ provider: "sqlite", path: "/var/h.db" });
    expect(parseDatabaseUrl("file:///var/h.db")).toEqual({ provider: "sqlite", path: "/var/h.db" });
    expect(parseDatabaseUrl("h.db")).toEqual({ provider: "sqlite", path: path.resolve("h.db") });
  });
});

describe("when a SQLite database is opened", () => {
  it("creates missing folders, migrates, and turns on WAL and foreign keys", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "handoff-open-"));
    try {
      const db = await openDatabase(path.join(dir, "nested", "folder", "h.db"));
      try {
        const [journal] = await db.client.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
        const [fk] = await db.client.$queryRawUnsafe<{ foreign_keys: bigint | number }[]>("PRAGMA foreign_keys");
        expect(journal?.journal_mode).toBe("wal");
        expect(Number(fk?.foreign_keys)).toBe(1);
        expect(db.provider).toBe("sqlite");
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeEachDatabase("when the server restarts", (database) => {
  it("finds everything it wrote after closing and re-opening the database", async () => {
    const fixture = database();
    const before = fixture.db;
    const dag = await before.dags.create({ name: "survivor", spec: { tasks: [] }, createdBy: "alice" });
    if (dag.kind !== "created") throw new Error(dag.kind);
    const run = await before.runs.create({
      dagId: dag.dag.id, dagVersion: 1, spec: { tasks: [] }, options: {}, status: "running", startedBy: "alice",
      tasks: [{ taskId: "a", state: "running" }],
    });
    await before.runs.applyChanges({ tasks: [{ runId: run.id, taskId: "a", state: "running", machine: "m1", attempts: 1 }] });
    await before.logs.append([{ runId: run.id, taskId: "a", level: "info", message: "hello", timestamp: new Date() }]);
    await before.machines.register({
      name: "m1", capacity: { cpu: 1 }, labels: {}, functions: [], status: "online", agentVersion: null, resultUrl: null, lastHeartbeatAt: null,
    });

    const after = await fixture.reopen();
    expect(after).not.toBe(before);
    expect((await after.dags.getVersion(dag.dag.id))?.createdBy).toBe("alice");
    expect((await after.runs.get(run.id))?.tasks[0]).toMatchObject({ state: "running", machine: "m1", attempts: 1 });
    expect((await after.logs.list({ runId: run.id })).logs.map((l) => l.message)).toEqual(["hello"]);
    expect((await after.machines.get("m1"))?.capacity).toEqual({ cpu: 1 });
    expect(await after.runs.markInterrupted(new Date())).toEqual([run.id]);
  });
});

describe.skipIf(postgresTestServer.isSkipped)("when an empty PostgreSQL database is opened", () => {
  it("migrates it with the real CLI: every migration recorded as applied", async () => {
    if (postgresTestServer.problem !== undefined) throw new Error(`HANDOFF_REQUIRE_POSTGRES=1 but PostgreSQL is unreachable: ${postgresTestServer.problem}`);
    const name = `handoff_test_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: postgresTestServer.url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(postgresTestServer.url);
      url.pathname = `/${name}`;
      const db = await openDatabase(url.href);
      try {
        const applied = await db.client.$queryRawUnsafe<{ count: bigint | number }[]>(`SELECT count(*) AS count FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`);
        expect(Number(applied[0]?.count)).toBe(migrationCount("postgres"));
        expect(db.provider).toBe("postgresql");
      } finally {
        await db.close();
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});

function migrationCount(folder: "sqlite" | "postgres"): number {
  const dir = fileURLToPath(new URL(`../../../prisma/${folder}/migrations/`, import.meta.url));
  return readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).length;
}
