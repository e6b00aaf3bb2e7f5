import { SLOTS, type Resources } from "../dag/model.ts";

// `load_balanced`'s measure of a machine, shared by `allocate` (a batch's placements) and the scheduler's balance
// index (the best machine kept scored as the ledger changes).

/** The keys `load_balanced` weighs for a cost: its positive keys, else `slots` alone. */
export function balanceKeys(cost: Resources): { readonly keys: readonly string[]; readonly hasPositive: boolean } {
  const positiveKeys = Object.keys(cost).filter((key) => (cost[key] ?? 0) > 0);
  return positiveKeys.length > 0 ? { keys: positiveKeys, hasPositive: true } : { keys: [SLOTS], hasPositive: false };
}

/**
 * `load_balanced`'s score of a machine with `free` capacity left for `cost`: the smallest fraction of its total left
 * free after it (`(free − cost) / total`) over `keys` (the cost's own when `hasPositive`, else free slots).
 */
export function balanceScore(machine: { readonly free: Resources; readonly total?: Resources }, free: Resources, cost: Resources, keys: readonly string[], hasPositive: boolean): number {
  let score = Number.POSITIVE_INFINITY;
  for (const key of keys) {
    const denominator = machine.total?.[key] ?? machine.free[key] ?? 0;
    const after = (free[key] ?? 0) - (hasPositive ? (cost[key] ?? 0) : 0);
    score = Math.min(score, denominator > 0 ? after / denominator : 0);
  }
  return score;
}
