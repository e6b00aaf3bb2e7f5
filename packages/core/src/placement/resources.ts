import type { Resources } from "../dag/model.ts";

/**
 * Handoff's fit rule: for every key present in either map, `capacity[key] >= cost[key]` (missing = 0).
 * A cost key the machine does not declare therefore makes it unfit, unless the cost is ≤ 0.
 *
 * @example fits({ cpu: 4, memory: 2000 }, { cpu: 1 }) // true
 */
export function fits(capacity: Resources, cost: Resources): boolean {
  // Both key lists in turn instead of a Set of their union: a key in both is checked twice with the
  // same answer; the scheduler calls this for every placement, so it builds no Set (and, with for…in over
  // own keys, no key arrays either).
  for (const key in capacity) if (hasOwn(capacity, key) && (capacity[key] ?? 0) < (cost[key] ?? 0)) return false;
  for (const key in cost) if (hasOwn(cost, key) && (capacity[key] ?? 0) < (cost[key] ?? 0)) return false;
  return true;
}

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/** Key-wise `a + b` over the union of keys. */
export function addResources(a: Resources, b: Resources): Record<string, number> {
  const sum: Record<string, number> = {};
  // Keys of `a`, then those of `b`: writing a shared key twice keeps its first position and value.
  for (const key of Object.keys(a)) sum[key] = (a[key] ?? 0) + (b[key] ?? 0);
  for (const key of Object.keys(b)) sum[key] = (a[key] ?? 0) + (b[key] ?? 0);
  return sum;
}

/** Key-wise `a − b` over the union of keys, without clamping (results may be negative). */
export function subtractResources(a: Resources, b: Resources): Record<string, number> {
  const difference: Record<string, number> = {};
  for (const key in a) if (hasOwn(a, key)) difference[key] = (a[key] ?? 0) - (b[key] ?? 0);
  for (const key in b) if (hasOwn(b, key)) difference[key] = (a[key] ?? 0) - (b[key] ?? 0);
  return difference;
}

/**
 * Key-wise sum of many costs, e.g. the effective cost of a collocation group.
 *
 * @example mergeCosts([{ cpu: 1 }, { cpu: 2, gpu: 1 }]) // { cpu: 3, gpu: 1 }
 */
export function mergeCosts(costs: readonly Resources[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const cost of costs) {
    for (const [key, amount] of Object.entries(cost)) sum[key] = (sum[key] ?? 0) + amount;
  }
  return sum;
}

/**
 * What `capacity` lacks to fit `cost`: only the keys that are short, each with the amount missing.
 *
 * @example lacking({ cpu: 1, memory: 100 }, { cpu: 2, memory: 50 }) // { cpu: 1 }
 */
export function lacking(capacity: Resources, cost: Resources): Record<string, number> {
  const missing: Record<string, number> = {};
  for (const key of Object.keys(capacity)) addShortfall(missing, key, capacity, cost);
  for (const key of Object.keys(cost)) addShortfall(missing, key, capacity, cost);
  return missing;
}

function addShortfall(missing: Record<string, number>, key: string, capacity: Resources, cost: Resources): void {
  const shortfall = (cost[key] ?? 0) - (capacity[key] ?? 0);
  if (shortfall > 0) missing[key] = shortfall;
}

/** True when there is no cost at all: `undefined` or a map without keys. */
export function isEmptyCost(cost?: Resources): boolean {
  if (cost === undefined) return true;
  for (const key in cost) if (hasOwn(cost, key)) return false;
  return true;
}

/** Renders a lacks map for messages: `cpu 2, memory 100`. */
export function describeLacks(lacks: Readonly<Record<string, number>>): string {
  return Object.entries(lacks)
    .map(([key, amount]) => `${key} ${amount}`)
    .join(", ");
}
