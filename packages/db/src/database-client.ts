import type { PrismaClient } from "./generated/sqlite/client.ts";

/**
 * The Prisma client the repositories use. Both generated clients (SQLite and PostgreSQL) come from
 * identical models, so the SQLite client's type describes both; openDatabase() casts the other one.
 * Only use features both providers support (no `skipDuplicates`, no `mode: "insensitive"`, no Json type).
 */
export type DatabaseClient = PrismaClient;

/** The client inside `$transaction(async (tx) => ...)`. */
export type TransactionClient = Parameters<Parameters<DatabaseClient["$transaction"]>[0]>[0];

export type DatabaseProvider = "sqlite" | "postgresql";
