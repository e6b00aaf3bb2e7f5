import { isRunStatus, type RunStatus } from "@handoff/core";

/** The runs list's filters as the URL carries them; times are `datetime-local` values (local time, no zone). */
export interface RunsFilter {
  readonly status: RunStatus | null;
  readonly dag: string;
  readonly startedBy: string;
  readonly from: string;
  readonly to: string;
}

export const NO_FILTER: RunsFilter = { status: null, dag: "", startedBy: "", from: "", to: "" };

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/**
 * Reads the filters from a query string; unknown statuses and malformed times are dropped, so a hand-edited
 * URL never breaks the page.
 * @example parseRunsFilter(new URLSearchParams("status=failed&dag=etl")) // { status: "failed", dag: "etl", … }
 */
export function parseRunsFilter(params: { get(name: string): string | null }): RunsFilter {
  const status = params.get("status") ?? "";
  const time = (name: string): string => {
    const value = params.get(name) ?? "";
    return LOCAL_TIME.test(value) ? value : "";
  };
  return {
    status: isRunStatus(status) ? status : null,
    dag: (params.get("dag") ?? "").trim(),
    startedBy: (params.get("startedBy") ?? params.get("by") ?? "").trim(),
    from: time("from"),
    to: time("to"),
  };
}

/** The query string for `filter` (empty filters left out, stable order), without the leading `?`. */
export function runsFilterToQuery(filter: RunsFilter): string {
  const params = new URLSearchParams();
  if (filter.status !== null) params.set("status", filter.status);
  if (filter.dag !== "") params.set("dag", filter.dag);
  if (filter.startedBy !== "") params.set("startedBy", filter.startedBy);
  if (filter.from !== "") params.set("from", filter.from);
  if (filter.to !== "") params.set("to", filter.to);
  return params.toString();
}

/** `runs.list` input for `filter`: local times become ISO instants in the browser's zone. */
export function runsFilterToInput(filter: RunsFilter, toIso: (local: string) => string = (local) => new Date(local).toISOString()) {
  return {
    ...(filter.status === null ? {} : { status: filter.status }),
    ...(filter.dag === "" ? {} : { dag: filter.dag }),
    ...(filter.startedBy === "" ? {} : { startedBy: filter.startedBy }),
    ...(filter.from === "" ? {} : { from: toIso(filter.from) }),
    ...(filter.to === "" ? {} : { to: toIso(filter.to) }),
  };
}

export function isFiltered(filter: RunsFilter): boolean {
  return runsFilterToQuery(filter) !== "";
}
