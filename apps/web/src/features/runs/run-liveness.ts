import { isTerminalRunStatus } from "@handoff/core";

/**
 * Whether the run view treats a run as live (ticking clock, stream status, a Cancel button) rather than ended
 * (Run again). Derived from core's one list of terminal statuses, so `interrupted` reads as ended.
 * @example isRunLive("interrupted") // false
 */
export function isRunLive(status: string): boolean {
  return !isTerminalRunStatus(status);
}
