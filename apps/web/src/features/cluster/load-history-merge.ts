/** Samples of one series, oldest first, each with its time (epoch ms). */
type Timed = { readonly at: number };

/**
 * Appends newly fetched samples to those held, skipping any already held (a poll may overlap the last one), and
 * drops those older than `windowStartMs`. Returns `held` itself when nothing changed, so memoized charts keep still.
 */
export function mergeSamples<T extends Timed>(held: readonly T[], incoming: readonly T[], windowStartMs: number): readonly T[] {
  const newest = held.length === 0 ? -Infinity : held[held.length - 1]!.at;
  const fresh = incoming.filter((sample) => sample.at > newest);
  let first = 0;
  while (first < held.length && held[first]!.at < windowStartMs) first += 1;
  if (fresh.length === 0 && first === 0) return held;
  return [...held.slice(first), ...fresh];
}

/** The `sinceMs` to poll with: the oldest of the newest samples held for `names` (0 when one has none yet). */
export function pollSince<T extends Timed>(held: ReadonlyMap<string, readonly T[]>, names: readonly string[]): number {
  let since = Infinity;
  for (const name of names) {
    const samples = held.get(name);
    const newest = samples === undefined || samples.length === 0 ? 0 : samples[samples.length - 1]!.at;
    since = Math.min(since, newest);
  }
  return since === Infinity ? 0 : since;
}
