/**
 * Where to go after signing in: the `next` query parameter when it is a path on this origin, `/` otherwise.
 * Refuses absolute and protocol-relative URLs so a crafted link cannot bounce a user to another site.
 * @example safeNextPath("/runs?page=2") // "/runs?page=2"; safeNextPath("//evil.example") // "/"
 */
export function safeNextPath(next: string | null | undefined): string {
  if (next === null || next === undefined || next === "") return "/";
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (next === "/login" || next.startsWith("/login?") || next.startsWith("/login/")) return "/";
  return next;
}
