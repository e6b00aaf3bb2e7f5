export { openTestDatabase, probePostgres, type TestDatabase, type TestProvider } from "./open-test-database.ts";
export { describeEachDatabase, describePostgres, postgresTestServer } from "./describe-each-database.ts";
export { copyMigratedSqlite } from "./migrated-template.ts";
