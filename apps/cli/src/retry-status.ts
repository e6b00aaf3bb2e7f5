/** What the CLI knows of a task waiting to retry. */
export interface PendingRetry {
  readonly taskId: string;
  /** Attempts started so far (the next is this + 1). */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** Epoch ms when the next attempt may start. */
  readonly retryAt: number;
}

/**
 * "retry 2/4 in 4 s" — when the next attempt of a task will start, for the live progress line.
 * @example describeRetry({ taskId: "f", attempts: 1, maxAttempts: 4, retryAt: 5_000 }, 1_000) // "f: retry 2/4 in 4 s"
 */
export function describeRetry(retry: PendingRetry, nowMs: number): string {
  const leftMs = Math.max(0, retry.retryAt - nowMs);
  const when = leftMs < 1_000 ? "now" : `in ${formatDuration(leftMs)}`;
  return `${retry.taskId}: retry ${retry.attempts + 1}/${retry.maxAttempts} ${when}`;
}

function formatDuration(ms: number): string {
  const seconds = Math.ceil(ms / 1_000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
