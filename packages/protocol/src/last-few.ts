/**
 * Remembers `value` under `key` in `map`, a cache of the last few: when it already holds `kept` entries, the oldest
 * (first inserted) goes first. For the few long grants and keys a fan-in presents again with each of its batches.
 */
export function keepLastFew<K, V>(map: Map<K, V>, key: K, value: V, kept: number): V {
  if (map.size >= kept && !map.has(key)) map.delete(map.keys().next().value!);
  map.set(key, value);
  return value;
}
