import { MAX_CATCH_UP, type CronTimes } from "@handoff/api";
import type { CatchUpPolicy } from "@handoff/core";

/** How late the latest due time may be and still fire as on time, whatever the catch-up policy (default 60 s). */
export const DEFAULT_ON_TIME_MS = 60_000;

export interface FiringPlanInput {
  readonly times: CronTimes;
  readonly catchUp: CatchUpPolicy;
  readonly catchUpLimit: number;
  /** Every time at or before this one is handled already (epoch ms). */
  readonly cursor: number;
  readonly now: number;
  readonly onTimeMs?: number;
}

export interface FiringPlan {
  /** Scheduled times to fire now, oldest first. */
  readonly fire: readonly number[];
  /** Due times the catch-up policy leaves out (counted up to `MAX_CATCH_UP + 1`). */
  readonly missed: number;
  /** Where the cursor moves to: everything up to `now` is handled. */
  readonly cursor: number;
  /** The next time after `now`, null when the expression never fires again. */
  readonly next: number | null;
}

/**
 * Which times of a schedule fire now. The latest due time after the cursor fires when it is at most `onTimeMs` late;
 * earlier due times (and a later-than-that latest one) were missed — the server was down or busy — and fire by the
 * policy: `none` fires none, `latest` the newest missed one, `all` the newest `catchUpLimit` missed ones. Pure: the
 * caller reads the clock; bounded: it never looks at more than `MAX_CATCH_UP + 2` times.
 * @example
 * planFirings({ times, catchUp: "latest", catchUpLimit: 1, cursor: lastHandled, now: clock.now() }).fire
 */
export function planFirings(input: FiringPlanInput): FiringPlan {
  const { times, now, cursor } = input;
  const onTimeMs = input.onTimeMs ?? DEFAULT_ON_TIME_MS;
  const limit = Math.min(Math.max(Math.trunc(input.catchUpLimit), 1), MAX_CATCH_UP);
  const due = times.latest(MAX_CATCH_UP + 2, now).filter((time) => time > cursor);
  const next = times.nextAfter(now);
  const after = { cursor: Math.max(cursor, now), next };
  if (due.length === 0) return { fire: [], missed: 0, ...after };
  const [latest] = due as [number, ...number[]];
  const onTime = now - latest <= onTimeMs;
  const missedTimes = onTime ? due.slice(1) : due;
  const caughtUp = input.catchUp === "none" ? [] : missedTimes.slice(0, input.catchUp === "latest" ? 1 : limit);
  const fire = [...(onTime ? [latest] : []), ...caughtUp].sort((a, b) => a - b);
  return { fire, missed: missedTimes.length - caughtUp.length, ...after };
}
