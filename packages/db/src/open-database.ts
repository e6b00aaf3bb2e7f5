import path from "node:path";
import { mkdirSync } from "node:fs";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import BetterSqlite3 from "better-sqlite3";
import { postgresChangeWriter, prismaChangeWriter, sqliteChangeWriter, type ChangeWriter } from "./change-writer.ts";
import type { DatabaseClient, DatabaseProvider } from "./database-client.ts";
import { createDagRepository, type DagRepository } from "./dag-repository.ts";
import { deployMigrations, type DatabaseLocation } from "./deploy-migrations.ts";
import { PrismaClient as PostgresPrismaClient } from "./generated/postgres/client.ts";
import { PrismaClient as SqlitePrismaClient } from "./generated/sqlite/client.ts";
import { createLogRepository, type LogRepository } from "./log-repository.ts";
import { createMachineRepository, type MachineRepository } from "./machine-repository.ts";
import { createRunRepository, type RunRepository } from "./run-repository.ts";
import { createTokenRepository, type TokenRepository } from "./token-repository.ts";
import { createSessionRepository, type SessionRepository } from "./session-repository.ts";
import { createSignInCodeRepository, type SignInCodeRepository } from "./sign-in-code-repository.ts";
import { createAuditRepository, type AuditRepository } from "./audit-repository.ts";
import { createSecretRepository, type SecretRepository } from "./secret-repository.ts";
import { createFunctionBundleRepository, type FunctionBundleRepository } from "./function-bundle-repository.ts";
import { createScheduleRepository, type ScheduleRepository } from "./schedule-repository.ts";
import { createWebhookRepository, type WebhookRepository } from "./webhook-repository.ts";

export interface Database {
  provider: DatabaseProvider;
  machines: MachineRepository;
  dags: DagRepository;
  runs: RunRepository;
  logs: LogRepository;
  tokens: TokenRepository;
  sessions: SessionRepository;
  signInCodes: SignInCodeRepository;
  audit: AuditRepository;
  secrets: SecretRepository;
  functionBundles: FunctionBundleRepository;
  schedules: ScheduleRepository;
  webhooks: WebhookRepository;
  /** The raw client, for what no repository covers yet (prefer adding a repository function). */
  client: DatabaseClient;
  close(): Promise<void>;
}


/** Whether a DATABASE_URL names PostgreSQL (`postgres://` or `postgresql://`). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** `postgres://`/`postgresql://` → PostgreSQL; `file:x.db` or a plain path → SQLite (relative to the working directory). */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (isPostgresUrl(url)) return { provider: "postgresql", url };
  const file = url.startsWith("file:") ? url.slice("file:".length).replace(/^\/\/(?=\/)/, "") : url;
  if (file === "" || file.includes("?")) throw new TypeError(`unsupported SQLite location: ${url}`);
  return { provider: "sqlite", path: path.resolve(file) };
}

async function openSqlite(file: string): Promise<{ client: DatabaseClient; writer: ChangeWriter }> {
  // better-sqlite3's `timeout` is SQLite's busy_timeout: wait for a lock instead of failing at once.
  const factory = new PrismaBetterSQLite3({ url: `file:${file}`, timeout: 5000 });
  let connection: BetterSqlite3.Database | undefined;
  // The adapter keeps its better-sqlite3 connection; the write-behind's writer uses the same one (see change-writer.ts).
  const adapter: typeof factory = Object.assign(Object.create(factory) as typeof factory, {
    connect: async () => {
      const connected = await factory.connect();
      const candidate = (connected as unknown as { client?: unknown }).client;
      if (candidate instanceof BetterSqlite3) connection = candidate;
      return connected;
    },
  });
  const client = new SqlitePrismaClient({ adapter });
  // WAL (set on the file by deployMigrations): readers never block the writer. NORMAL sync in WAL is
  // durable across process crashes; a power cut may lose the last commits.
  await client.$queryRawUnsafe("PRAGMA journal_mode = WAL");
  await client.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  await client.$queryRawUnsafe("PRAGMA foreign_keys = ON");
  await client.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  return { client, writer: connection === undefined ? prismaChangeWriter(client, "sqlite") : sqliteChangeWriter(connection) };
}

function openPostgres(url: string): { client: DatabaseClient; writer: ChangeWriter } {
  const client = new PostgresPrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  // Same models, same API: the SQLite client's type describes both (see DatabaseClient).
  return { client: client as unknown as DatabaseClient, writer: postgresChangeWriter(url) };
}

/**
 * Opens the database the URL names, migrates it to the newest schema, and hands out the repositories.
 * Why one entry point: the server, tests and the CLI all get the same migrated, tuned database.
 * @example
 * const db = await openDatabase("file:.handoff/handoff.db"); // or "postgresql://postgres@127.0.0.1:5432/handoff"
 * await db.runs.markInterrupted(new Date());
 * await db.close();
 */
export async function openDatabase(url: string): Promise<Database> {
  const location = parseDatabaseUrl(url);
  if (location.provider === "sqlite") mkdirSync(path.dirname(location.path), { recursive: true });
  await deployMigrations(location);
  const { client, writer } = location.provider === "sqlite" ? await openSqlite(location.path) : openPostgres(location.url);
  return {
    provider: location.provider,
    machines: createMachineRepository(client),
    dags: createDagRepository(client),
    runs: createRunRepository(client, location.provider, writer),
    logs: createLogRepository(client),
    tokens: createTokenRepository(client),
    sessions: createSessionRepository(client),
    signInCodes: createSignInCodeRepository(client),
    audit: createAuditRepository(client),
    secrets: createSecretRepository(client),
    functionBundles: createFunctionBundleRepository(client),
    schedules: createScheduleRepository(client),
    webhooks: createWebhookRepository(client),
    client,
    close: async () => {
      await writer.close();
      await client.$disconnect();
    },
  };
}
