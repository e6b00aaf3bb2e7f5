import { bindParams, DagFile, toDagSpec, type JsonValue } from "@handoff/protocol";
import { ErrorKind } from "@handoff/core";
import type { RunsService, StartRunRequest } from "./services/runs.ts";
import { ApiError } from "./trpc.ts";

/** What a run stores for its parameters: the bound file it runs, the values, and the file as written (for re-runs). */
export interface RunParams {
  readonly file: DagFile;
  readonly params: Readonly<Record<string, JsonValue>> | null;
  readonly template: DagFile | null;
}

/**
 * Binds a run's parameters before anything is written (protocol's `bindParams`): a refusal is `invalid_request`
 * naming each parameter and why, with the issues in `details.issues` (`[{ path: "params.n", message }]`).
 * @example const { file, params, template } = bindRunParams(file, input.params);
 */
export function bindRunParams(file: DagFile, given: Readonly<Record<string, unknown>> | undefined): RunParams {
  const bound = bindParams(file, given ?? {});
  if (!bound.ok) {
    throw new ApiError("BAD_REQUEST", bound.issues.map((issue) => issue.message).join("; "), undefined, ErrorKind.InvalidRequest, { issues: bound.issues });
  }
  const hasParams = file.params !== undefined && Object.keys(file.params).length > 0;
  return hasParams ? { file: bound.bound.file, params: bound.bound.values, template: file } : { file, params: null, template: null };
}

/**
 * A re-run's parameters: the old run's values unless `override` changes some, bound into the DAG as it was written
 * (the stored template). A run without parameters runs its file again; a value given for it is refused by name.
 */
export function rebindForRerun(run: { readonly spec: unknown; readonly params: unknown; readonly template: unknown }, file: DagFile, override: Readonly<Record<string, unknown>> | undefined): RunParams {
  const template = run.template === null ? null : DagFile.safeParse(run.template);
  if (template === null) return override === undefined || Object.keys(override).length === 0 ? { file, params: null, template: null } : bindRunParams(file, override);
  if (!template.success) throw new ApiError("PRECONDITION_FAILED", "the run's DAG as written is unreadable and cannot run again with parameters");
  const previous = run.params !== null && typeof run.params === "object" ? (run.params as Record<string, unknown>) : {};
  return bindRunParams(template.data, { ...previous, ...override });
}

/**
 * Starts a run of a bound DAG (its file, parameter values and template from `bindRunParams` / `rebindForRerun`): the
 * one place `runs.start`, `runs.execute` and a full re-run hand a file to the engine. A DAG the engine refuses is
 * `BAD_REQUEST` with its problems; nothing was written.
 */
export async function startBoundRun(runs: Pick<RunsService, "start">, bound: RunParams, request: Omit<StartRunRequest, "dag" | "file" | "params" | "template">): Promise<string> {
  const started = await runs.start({ dag: toDagSpec(bound.file), file: bound.file, params: bound.params, template: bound.template, ...request });
  if (started.kind === "rejected") throw new ApiError("BAD_REQUEST", started.message, started.problems);
  return started.runId;
}
