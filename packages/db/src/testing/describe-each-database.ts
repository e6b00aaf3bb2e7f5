import { afterAll, beforeAll, describe } from "vitest";
import { openTestDatabase, probePostgres, type TestDatabase, type TestProvider } from "./open-test-database.ts";

const postgresUrl = process.env.HANDOFF_TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const isPostgresRequired = process.env.HANDOFF_REQUIRE_POSTGRES === "1";
// Top-level await: the skip decision must exist when the suites are collected, before any hook runs.
const postgresProblem = await probePostgres(postgresUrl);
const skipPostgres = postgresProblem !== undefined && !isPostgresRequired;

/** The PostgreSQL server tests use, and why it cannot be used (undefined when reachable). */
export const postgresTestServer = { url: postgresUrl, problem: postgresProblem, isRequired: isPostgresRequired, isSkipped: skipPostgres } as const;

if (skipPostgres) {
  console.warn(
    `\n⚠️  ⚠️  ⚠️  PostgreSQL suites SKIPPED: cannot reach ${postgresUrl} (${postgresProblem}).\n` +
      "    Start PostgreSQL or set HANDOFF_TEST_POSTGRES_URL; set HANDOFF_REQUIRE_POSTGRES=1 to make this a failure.\n",
  );
}

/**
 * Runs the same suite against SQLite (temp file) and PostgreSQL (fresh `handoff_test_<random>` database).
 * One database per provider per suite; `database()` returns the open fixture inside tests.
 */
export function describeEachDatabase(title: string, body: (database: () => TestDatabase, provider: TestProvider) => void): void {
  for (const provider of ["sqlite", "postgresql"] as const) describeOn(provider, `${title} [${provider}]`, (database) => body(database, provider));
}

/**
 * A suite for PostgreSQL only (the leader lease, replicas): a fresh database for the suite, skipped when PostgreSQL
 * is unreachable unless `HANDOFF_REQUIRE_POSTGRES=1`, which makes that a failure.
 */
export function describePostgres(title: string, body: (database: () => TestDatabase) => void): void {
  describeOn("postgresql", title, body);
}

function describeOn(provider: TestProvider, title: string, body: (database: () => TestDatabase) => void): void {
  describe.skipIf(provider === "postgresql" && skipPostgres)(title, () => {
    let fixture: TestDatabase | undefined;
    beforeAll(async () => {
      if (provider === "postgresql" && postgresProblem !== undefined) {
        throw new Error(`HANDOFF_REQUIRE_POSTGRES=1 but PostgreSQL at ${postgresUrl} is unreachable: ${postgresProblem}`);
      }
      fixture = await openTestDatabase(provider, postgresUrl);
    }, 60_000);
    afterAll(async () => {
      await fixture?.dispose();
    }, 60_000);
    body(() => {
      if (fixture === undefined) throw new Error("database fixture is not open (did beforeAll fail?)");
      return fixture;
    });
  });
}
