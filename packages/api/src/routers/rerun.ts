import { z } from "zod";
import { DagFile, ParamValues } from "@handoff/protocol";
import type { RunOptions } from "@handoff/core";
import type { ApiContext } from "../context.ts";
import { rebindForRerun, startBoundRun } from "../run-params.ts";
import { ApiError, failureError } from "../trpc.ts";

const TaskIdText = z.string().min(1).max(200);

/**
 * `runs.rerun`: without `from`, the same DAG again with the same options (and saved version), every task run; with
 * `from: "failed"`, a re-run from failure that reuses the old run's succeeded results where they are and runs the tasks
 * that did not succeed and everything downstream; with `from: [taskIds]`, those tasks and everything downstream.
 */
export const RerunInput = z
  .object({
    runId: z.string().min(1).max(200),
    from: z.union([z.literal("failed"), z.array(TaskIdText).min(1, "name at least one task").max(10_000)]).optional(),
    /** Run parameters to change (a full re-run only); the others keep the old run's values. */
    params: ParamValues.optional(),
  })
  .strict();
export type RerunInput = z.infer<typeof RerunInput>;

export const RerunOutput = z.object({
  runId: z.string(),
  /** Tasks whose results the new run took over from the old one (none for a full re-run). */
  reused: z.array(z.string()),
  /** Tasks the new run runs (inline ones apart). */
  run: z.array(z.string()),
  /** Succeeded tasks of the old run that run again, and why. */
  notReused: z.array(z.object({ taskId: z.string(), reason: z.string() })),
});
export type RerunOutput = z.infer<typeof RerunOutput>;

type UserContext = ApiContext & { principal: NonNullable<ApiContext["principal"]> };

export async function rerun(ctx: UserContext, input: RerunInput): Promise<RerunOutput> {
  if (input.from === undefined) return fullRerun(ctx, input.runId, input.params);
  if (input.params !== undefined && Object.keys(input.params).length > 0) {
    throw new ApiError("BAD_REQUEST", "params: a re-run from failure keeps the old run's parameter values; to change them, re-run the whole run (leave out from)");
  }
  const started = await ctx.runs.rerun({ runId: input.runId, from: input.from, startedBy: ctx.principal.name });
  if (started.ok) return { runId: started.runId, reused: [...started.reused], run: [...started.run], notReused: [...started.notReused] };
  if (started.error.kind === "rejected") throw new ApiError("BAD_REQUEST", started.error.message, started.error.problems);
  throw failureError(started.error);
}

async function fullRerun(ctx: UserContext, runId: string, params: Readonly<Record<string, unknown>> | undefined): Promise<RerunOutput> {
  const found = await ctx.runs.get(runId);
  if (!found) throw new ApiError("NOT_FOUND", `no run "${runId}"`);
  const file = DagFile.safeParse(found.run.spec);
  if (!file.success) throw new ApiError("PRECONDITION_FAILED", `run "${runId}" has an unreadable DAG and cannot run again`);
  const options = (found.run.options ?? {}) as RunOptions;
  const bound = rebindForRerun(found.run, file.data, params);
  const newRunId = await startBoundRun(ctx.runs, bound, {
    options,
    startedBy: ctx.principal.name,
    dagId: found.run.dagId,
    dagVersion: found.run.dagVersion,
    dagName: found.run.dagName ?? file.data.name ?? null,
  });
  return { runId: newRunId, reused: [], run: bound.file.tasks.filter((task) => task.type !== "inline").map((task) => task.id), notReused: [] };
}
