import { z } from "zod";
import { ResultMeta } from "@handoff/protocol";
import { RunStatus, TASK_ERROR_KINDS } from "@handoff/core";

/**
 * Output schemas the routers' `.output()` share: what the API answers, parsed on the way out (a field a schema
 * does not name is not sent) and published as the OpenAPI document's response schemas.
 */
export const IsoDateTime = z.string().meta({ format: "date-time", description: "ISO 8601 date and time" });

/**
 * A schema for a value the server holds as `unknown` (a JSON column, core's `results`): the output parser checks
 * it is what the schema says on its way out, and the document shows the schema.
 */
export function stored<T extends z.ZodType>(schema: T) {
  return z.unknown().pipe(schema);
}

/** A resource map (`{ cpu: 2, memory: 4000 }`). */
export const ResourcesOut = z.record(z.string(), z.number());

/** Where a result lives and what it looks like (`results.get`); the value itself stays on `machine`. */
export const ResultReferenceOut = ResultMeta.extend({
  machine: z.string(),
  evicted: z.enum(["retention", "disk_budget"]).optional(),
  storeId: z.string().optional(),
  lost: z.object({ at: z.number(), machine: z.string() }).optional(),
  heldUnder: z.string().optional(),
  recomputedBy: z.string().optional(),
  codeHash: z.string().optional().describe("the code hash of the function that made it (a re-run reuses it only while unchanged)"),
});

/** core's `DagProblem`, every kind with its fields. */
export const DagProblemOut = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("missing_task"), taskId: z.string(), dependsOn: z.string(), message: z.string() }),
  z.object({ kind: z.literal("cycle"), path: z.array(z.string()).readonly(), message: z.string() }),
  z.object({ kind: z.literal("invalid_task"), taskId: z.string().nullable(), field: z.string(), message: z.string() }),
  z.object({ kind: z.literal("unknown_function"), taskId: z.string(), fn: z.string(), neededBy: z.string(), message: z.string() }),
  z.object({ kind: z.literal("infeasible"), taskId: z.string(), closestMachine: z.string().nullable(), lacks: ResourcesOut, message: z.string() }),
]);

export const TaskFailureOut = z.object({ taskId: z.string(), kind: z.enum(TASK_ERROR_KINDS), message: z.string(), attempts: z.number() });

const outcomeFields = {
  status: z.enum([RunStatus.Succeeded, RunStatus.Failed, RunStatus.Cancelled, RunStatus.Rejected]),
  runId: z.string(),
  failures: z.array(TaskFailureOut).readonly(),
  problems: z.array(DagProblemOut).readonly(),
  allocations: z.record(z.string(), z.string()),
};

/** A run's outcome in the cluster: every succeeded task's result as a reference to where it lives. */
export const RunOutcomeOut = z.object({ ...outcomeFields, results: z.record(z.string(), stored(ResultReferenceOut)).describe("task id → where its result lives") });

/** How `execute(…, { materialize: true })` brought one result back. */
export const MaterializedOut = z.discriminatedUnion("as", [
  z.object({ as: z.literal("value") }),
  z.object({ as: z.literal("reference"), size: z.number().optional(), reason: z.string() }),
]);
export type RunOutcomeOut = z.output<typeof RunOutcomeOut>;
