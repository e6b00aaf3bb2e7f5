import { z } from "zod";
import { DagFile } from "@handoff/protocol";
import type { RunOptions } from "@handoff/core";
import type { DagsService } from "./services/dags.ts";
import type { RunsService, StartRunRequest } from "./services/runs.ts";
import { bindRunParams, startBoundRun } from "./run-params.ts";
import { ApiError } from "./trpc.ts";

/** What a run takes from its DAG file's settings (a caller's options override them). */
/** A saved DAG's name, as triggers' inputs take it. */
export const DagName = z.string().min(1).max(200);

/** The saved DAG a trigger belongs to, or NOT_FOUND naming it. */
export async function dagNamed(dags: Pick<DagsService, "getByName">, name: string) {
  const dag = await dags.getByName(name);
  if (!dag) throw new ApiError("NOT_FOUND", `no saved DAG named "${name}"`);
  return dag;
}

export function runOptionsOf(file: DagFile): RunOptions {
  return { ...(file.strategy ? { strategy: file.strategy } : {}), ...(file.onFailure ? { onFailure: file.onFailure } : {}) };
}

/** A saved DAG's version (latest by default) as a file, or `NOT_FOUND` naming what is missing. */
export async function savedDagFile(dags: Pick<DagsService, "getVersion">, dag: { readonly id: string; readonly name: string }, version?: number) {
  const found = await dags.getVersion(dag.id, version);
  if (!found) throw new ApiError("NOT_FOUND", `DAG "${dag.name}" has no version ${version ?? "(latest)"}`);
  const parsed = DagFile.safeParse(found.spec);
  if (!parsed.success) throw new ApiError("INTERNAL_SERVER_ERROR", `stored DAG "${dag.name}" v${found.version} is unreadable`);
  return { file: parsed.data, version: found.version };
}

export interface Trigger {
  readonly kind: "schedule" | "webhook";
  readonly id: string;
  readonly dag: { readonly id: string; readonly name: string };
}

/**
 * Starts a run of a trigger's saved DAG (its latest version) with `params`, bound by the same `bindRunParams` as
 * `runs.start`: a bad value is `BAD_REQUEST` naming the parameter, and nothing is written. The run records the
 * trigger (`reason` schedule | webhook, `triggerId`).
 * @example const runId = await startTriggeredRun(services, { kind: "webhook", id, dag }, body);
 */
export async function startTriggeredRun(
  services: { readonly dags: Pick<DagsService, "getVersion">; readonly runs: Pick<RunsService, "start"> },
  trigger: Trigger,
  params: Readonly<Record<string, unknown>> | undefined,
  idempotency?: StartRunRequest["idempotency"],
): Promise<string> {
  const { file, version } = await savedDagFile(services.dags, trigger.dag);
  return startBoundRun(services.runs, bindRunParams(file, params), {
    options: runOptionsOf(file),
    startedBy: `${trigger.kind}:${trigger.id}`,
    dagId: trigger.dag.id,
    dagVersion: version,
    dagName: file.name ?? trigger.dag.name,
    trigger: { kind: trigger.kind, id: trigger.id },
    ...(idempotency === undefined ? {} : { idempotency }),
  });
}
