/** Prisma's P2002 (unique constraint), checked structurally: each generated client has its own error class. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "P2002";
}
