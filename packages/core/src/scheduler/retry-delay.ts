import { DEFAULT_RETRY_BACKOFF, type RetryBackoff } from "../dag/model.ts";

/**
 * How long a task waits before its next attempt: exponential backoff from `initialMs` by `factor` up to
 * `maxMs`, with "equal jitter" (half the delay fixed, half spread) so that tasks failing together do not
 * retry together. The spread comes from a hash of the failed attempt's id, not from randomness: the same
 * events always give the same decisions (the scheduler replays).
 * @example retryDelayMs(undefined, 1, "r1:a:1") // between 500 and 1000 (default backoff, first retry)
 */
export function retryDelayMs(backoff: RetryBackoff | undefined, countedFailures: number, attemptId: string): number {
  const { initialMs, factor = 2, maxMs = Number.POSITIVE_INFINITY } = backoff ?? DEFAULT_RETRY_BACKOFF;
  const base = Math.min(initialMs * factor ** Math.max(0, countedFailures - 1), maxMs);
  if (!(base > 0)) return 0;
  return Math.round(base / 2 + (fnv1a(attemptId) / 0x1_0000_0000) * (base / 2));
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
