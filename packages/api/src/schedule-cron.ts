import { Cron } from "croner";

/** The most missed firings `catchUp: "all"` fires at once (`catchUpLimit` is at most this). */
export const MAX_CATCH_UP = 100;

/** The largest `maxActiveRuns` a schedule may have. */
export const MAX_ACTIVE_RUNS_LIMIT = 1000;

/** Longest cron expression accepted (a boundary bound: croner parses what it is given). */
export const MAX_CRON_LENGTH = 200;

/** A cron expression read in its time zone: when it fires, before or after an instant (epoch ms). */
export interface CronTimes {
  /** The latest `count` firing times at or before `at`, newest first. */
  latest(count: number, at: number): number[];
  /** The first firing time strictly after `at`, null when there is none. */
  nextAfter(at: number): number | null;
}

export type CompiledCron = { readonly ok: true; readonly times: CronTimes } | { readonly ok: false; readonly field: "cron" | "timeZone"; readonly message: string };

/** True for a time zone the runtime knows by its IANA name (`Europe/Berlin`, `UTC`). */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles a cron expression (croner: 5 fields, or 6 with seconds first) in an IANA time zone; daylight-saving
 * changes are croner's: a wall time the spring change skips fires at the first instant after it, one the autumn change
 * repeats fires once. A refusal names the field and why.
 * @example
 * const compiled = compileCron("0 9 * * 1-5", "Europe/Berlin");
 * if (compiled.ok) compiled.times.nextAfter(Date.now());
 */
export function compileCron(cron: string, timeZone: string): CompiledCron {
  if (!isTimeZone(timeZone)) return { ok: false, field: "timeZone", message: `"${timeZone.slice(0, 64)}" is not an IANA time zone (e.g. Europe/Berlin, UTC)` };
  if (cron.length > MAX_CRON_LENGTH) return { ok: false, field: "cron", message: `longer than ${MAX_CRON_LENGTH} characters` };
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) return { ok: false, field: "cron", message: `"${cron}" has ${fields} fields; a cron expression has 5 (minute hour day month weekday) or 6 (seconds first)` };
  let job: Cron;
  try {
    job = new Cron(cron, { timezone: timeZone, paused: true });
  } catch (error) {
    return { ok: false, field: "cron", message: `"${cron}" is not a cron expression: ${error instanceof Error ? error.message.replace(/^CronPattern: /, "") : String(error)}` };
  }
  if (job.nextRun(new Date()) === null) return { ok: false, field: "cron", message: `"${cron}" never fires` };
  return {
    ok: true,
    times: {
      latest(count, at) {
        // croner's previousRuns is strictly before its reference second: ask from the next second, keep those ≤ at.
        return job
          .previousRuns(count + 1, new Date(Math.floor(at / 1000) * 1000 + 1000))
          .map((date) => date.getTime())
          .filter((time) => time <= at)
          .slice(0, count);
      },
      nextAfter(at) {
        return job.nextRun(new Date(at))?.getTime() ?? null;
      },
    },
  };
}
