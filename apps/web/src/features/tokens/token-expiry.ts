/** Lifetimes offered when creating a token; `null` = no expiry. */
export const EXPIRY_CHOICES = [
  { label: "24 hours", hours: 24 },
  { label: "7 days", hours: 24 * 7 },
  { label: "30 days", hours: 24 * 30 },
  { label: "1 year", hours: 24 * 365 },
  { label: "never", hours: null },
] as const satisfies readonly { label: string; hours: number | null }[];

/** Join tokens made here expire after a day (they only admit new machines); others default to no expiry. */
export function defaultExpiryHours(kind: "user" | "admin" | "join" | "scrape"): number | null {
  return kind === "join" ? 24 : null;
}
