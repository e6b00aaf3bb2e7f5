/**
 * Every status a run can have, in one place: the scheduler's outcomes (`succeeded`, `failed`, `cancelled`,
 * `rejected`) plus what only the stored run knows (`queued`, `running`, and `interrupted`: a run a restarted
 * server could not resume). The database, the API's filters, the CLI and the dashboard all read this list.
 */
export const RunStatus = {
  Queued: "queued",
  Running: "running",
  Succeeded: "succeeded",
  Failed: "failed",
  Cancelled: "cancelled",
  Rejected: "rejected",
  Interrupted: "interrupted",
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Every run status, in the order a run passes through them (for filters and pickers). */
export const RUN_STATUSES: readonly RunStatus[] = Object.values(RunStatus);

/** The statuses `decide` ends a run with (a `RunOutcome`'s status). */
export type RunOutcomeStatus = typeof RunStatus.Succeeded | typeof RunStatus.Failed | typeof RunStatus.Cancelled | typeof RunStatus.Rejected;

/** A run in one of these will not change again: nothing to watch, nothing to cancel. */
export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>([
  RunStatus.Succeeded,
  RunStatus.Failed,
  RunStatus.Cancelled,
  RunStatus.Rejected,
  RunStatus.Interrupted,
]);

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}

/**
 * Whether a run with this status has ended (`interrupted` included). Takes any string, as statuses arrive
 * from the API as text.
 * @example isTerminalRunStatus("interrupted") // true; isTerminalRunStatus("queued") // false
 */
export function isTerminalRunStatus(status: string): boolean {
  return TERMINAL_RUN_STATUSES.has(status as RunStatus);
}
