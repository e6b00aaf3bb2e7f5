/** Codes of a unique constraint's violation: Prisma's P2002, better-sqlite3's, PostgreSQL's SQLSTATE 23505. */
const UNIQUE_VIOLATION_CODES: ReadonlySet<unknown> = new Set(["P2002", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY", "23505"]);

/**
 * A unique constraint's violation, from Prisma or from the drivers the write-behind talks to directly (`runs.create`
 * writes there), checked structurally: each generated client and driver has its own error class.
 */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && UNIQUE_VIOLATION_CODES.has(error.code);
}
