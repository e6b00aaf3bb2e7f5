export interface ResourceUsage {
  readonly resource: string;
  readonly capacity: number;
  readonly claimed: number;
  readonly free: number;
  /** claimed / capacity, clamped to [0, 1]; 0 for a resource with no capacity. */
  readonly fraction: number;
}

/**
 * One row per resource a machine has or has claims on: `slots` first, then by name. `free` is the
 * server's figure when it sends one, else capacity minus claimed.
 */
export function resourceUsage(capacity: Record<string, number>, claimed: Record<string, number>, free: Record<string, number>): ResourceUsage[] {
  const keys = new Set([...Object.keys(capacity), ...Object.keys(claimed)]);
  return [...keys]
    .sort((a, b) => (a === "slots" ? -1 : b === "slots" ? 1 : a.localeCompare(b)))
    .map((resource) => {
      const total = capacity[resource] ?? 0;
      const used = claimed[resource] ?? 0;
      return {
        resource,
        capacity: total,
        claimed: used,
        free: free[resource] ?? Math.max(0, total - used),
        fraction: total > 0 ? Math.min(1, Math.max(0, used / total)) : 0,
      };
    });
}

/** `12` → `12`, `0.25` → `0.25`, `4096.0001` → `4096`. */
export function formatAmount(amount: number): string {
  return Number.isInteger(amount) ? String(amount) : String(Math.round(amount * 100) / 100);
}
