import { isUniqueViolation, type Database } from "@handoff/db";

/** How long an idempotency key keeps answering with its run. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

/** The key as stored on the run: scoped to the caller (a token's id, or `schedule` for a firing). */
export const scopedIdempotencyKey = (tokenId: string, key: string): string => `${tokenId}:${key}`;

/**
 * Starts a run at most once per idempotency key and token within 24 h: a caller that retries after a
 * timeout gets the run it already started. The database's unique index on the (scoped) key is the lock,
 * so concurrent duplicates — even through two server processes — start one run and all answer with it.
 * @example await startOnce(db, { tokenId, key: "nightly-2026-12-01", now: Date.now() }, (scoped) => engine.submit({ ..., idempotencyKey: scoped }))
 */
export async function startOnce(
  runs: Database["runs"],
  caller: { readonly tokenId: string; readonly key: string | undefined; readonly now: number },
  start: (scopedKey: string | null) => Promise<string>,
): Promise<{ runId: string; isExisting: boolean }> {
  if (caller.key === undefined) return { runId: await start(null), isExisting: false };
  const scoped = scopedIdempotencyKey(caller.tokenId, caller.key);
  const cutoff = new Date(caller.now - IDEMPOTENCY_WINDOW_MS);
  const existing = await runs.findByIdempotencyKey(scoped);
  if (existing && existing.createdAt >= cutoff) return { runId: existing.id, isExisting: true };
  if (existing) await runs.releaseIdempotencyKey(scoped, cutoff);
  try {
    return { runId: await start(scoped), isExisting: false };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await runs.findByIdempotencyKey(scoped);
    if (!winner) throw error;
    return { runId: winner.id, isExisting: true };
  }
}
