/** Which earlier runs' values each running re-run keeps on this machine (a value reused by two re-runs stays until both end). */
export interface ReusePins {
  /** `runId` keeps the values of `keep`: answers the runs that were not kept before (pin them now). */
  pin(runId: string, keep: readonly string[]): string[];
  /** `runId` ended: answers the runs no other re-run keeps any more (unpin them now). */
  ended(runId: string): string[];
}

export function createReusePins(): ReusePins {
  const keptBy = new Map<string, Set<string>>();
  return {
    pin(runId, keep) {
      const fresh: string[] = [];
      for (const kept of keep) {
        if (kept === runId) continue;
        const by = keptBy.get(kept) ?? new Set<string>();
        if (by.size === 0) fresh.push(kept);
        by.add(runId);
        keptBy.set(kept, by);
      }
      return fresh;
    },
    ended(runId) {
      const released: string[] = [];
      for (const [kept, by] of keptBy) {
        if (!by.delete(runId) || by.size > 0) continue;
        keptBy.delete(kept);
        released.push(kept);
      }
      return released;
    },
  };
}
