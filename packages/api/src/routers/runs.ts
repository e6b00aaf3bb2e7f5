import { z } from "zod";
import { boundedNumber, DagFile, ParamValues, type AttemptMetrics } from "@handoff/protocol";
import { Bounds, DEFAULT_MAX_RETRIES, RunStatus, type PlacementExplanation, type RunOptions, type RunOutcome } from "@handoff/core";
import type { RunSummary } from "@handoff/db";
import type { ApiContext } from "../context.ts";
import { materializeResults } from "../materialize-results.ts";
import { bindRunParams, startBoundRun } from "../run-params.ts";
import { runOptionsOf, savedDagFile } from "../trigger-run.ts";
import { TaskExplanationOutput } from "./placement-explanation.ts";
import type { RunsService } from "../services/runs.ts";
import { rerun, RerunInput, RerunOutput } from "./rerun.ts";
import { trackedAsyncIterable } from "../async-iterable-output.ts";
import { watchMessageOutput, watchRunMessages, type WatchMessageOf } from "./run-watch.ts";
import { ApiError, router, userProcedure } from "../trpc.ts";
import { AttemptsOut, CancelOut, ExecuteOut, LogsOut, RunIdOut, RunListOut, RunViewOut, TimelineOut } from "../outputs/run-outputs.ts";

export const RunOptionsInput = z
  .object({
    strategy: z.enum(["first_available", "load_balanced"]).optional(),
    maxRetries: boundedNumber(Bounds.maxRetries).optional(),
    maxConcurrency: z.number().int().min(1).max(1_000_000).optional(),
    onFailure: z.enum(["fail_fast", "continue"]).optional(),
    timeoutMs: boundedNumber(Bounds.timeoutMs).optional(),
  })
  .strict();

export const StartInput = z.object({
  dag: z.union([z.object({ file: DagFile }).strict(), z.object({ name: z.string().min(1).max(200), version: z.number().int().positive().optional() }).strict()]),
  options: RunOptionsInput.optional(),
  /** The same key (per token) within 24 h answers with the run it started instead of starting another. */
  idempotencyKey: z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces").optional(),
  /** Values of the DAG's run parameters by name; checked against their schemas before anything is written. */
  params: ParamValues.optional(),
});

const RunId = z.object({ runId: z.string().min(1).max(200) });
const Status = z.enum(RunStatus);

async function startRun(ctx: ApiContext & { principal: NonNullable<ApiContext["principal"]> }, input: z.infer<typeof StartInput>): Promise<string> {
  let file: DagFile;
  let dagId: string | null = null;
  let dagVersion: number | null = null;
  if ("file" in input.dag) {
    file = input.dag.file;
  } else {
    const dag = await ctx.dags.getByName(input.dag.name);
    if (!dag) throw new ApiError("NOT_FOUND", `no DAG named "${input.dag.name}"`);
    const saved = await savedDagFile(ctx.dags, dag, input.dag.version);
    file = saved.file;
    dagId = dag.id;
    dagVersion = saved.version;
  }
  const options: RunOptions = { ...runOptionsOf(file), ...input.options };
  return startBoundRun(ctx.runs, bindRunParams(file, input.params), {
    options,
    startedBy: ctx.principal.name,
    dagId,
    dagVersion,
    dagName: file.name ?? null,
    ...(input.idempotencyKey === undefined ? {} : { idempotency: { tokenId: ctx.principal.tokenId, key: input.idempotencyKey } }),
  });
}

/** The producers a task's arguments name (task ids, or edges from a task). */
function dependenciesOf(args: unknown): string[] {
  if (!Array.isArray(args)) return [];
  return args.flatMap((arg: unknown) => {
    if (typeof arg === "string") return [arg];
    if (arg !== null && typeof arg === "object" && "from" in arg && typeof arg.from === "string") return [arg.from];
    return [];
  });
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

function summaryView(run: RunSummary) {
  return {
    runId: run.id,
    dagName: run.dagName,
    dagVersion: run.dagVersion,
    status: run.status,
    startedBy: run.startedBy,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    durationMs: run.finishedAt ? run.finishedAt.getTime() - (run.startedAt ?? run.createdAt).getTime() : null,
  };
}

/** `runs.get`'s answer (and `runs.watch`'s snapshot), as its output schema says. */
export type RunView = z.output<typeof RunViewOut>;

export async function runView(runs: Pick<RunsService, "get">, runId: string) {
  const found = await runs.get(runId);
  if (!found) throw new ApiError("NOT_FOUND", `no run "${runId}"`);
  const { run, tasks } = found;
  const file = run.spec as DagFile;
  const options = (run.options ?? {}) as RunOptions;
  const specOf = new Map(file.tasks.map((task) => [task.id, task]));
  const order = new Map(file.tasks.map((task, index) => [task.id, index]));
  tasks.sort((a, b) => (order.get(a.taskId) ?? 0) - (order.get(b.taskId) ?? 0));
  const taskCounts: Record<string, number> = {};
  for (const task of tasks) {
    const key = specOf.get(task.taskId)?.type === "inline" ? "inline" : task.state;
    taskCounts[key] = (taskCounts[key] ?? 0) + 1;
  }
  return {
    ...summaryView(run),
    options,
    file,
    /** The run this one was started from (`reason`: `recompute` of a lost value, or `rerun` from failure), if any. */
    parentRunId: run.parentRunId,
    reason: run.reason,
    /** The schedule or webhook that started it (`reason`: `schedule` | `webhook`), if one did. */
    triggerId: run.triggerId,
    /** The run parameters' values it ran with, by name (null when its DAG declares none). */
    params: (run.params ?? null) as Record<string, unknown> | null,
    outcome: (run.outcome ?? null) as RunOutcome | null,
    taskCounts,
    tasks: tasks.map((task) => ({
      taskId: task.taskId,
      state: task.state,
      reason: task.reason,
      machine: task.machine,
      attempts: task.attempts,
      maxAttempts: (specOf.get(task.taskId)?.maxRetries ?? options.maxRetries ?? DEFAULT_MAX_RETRIES) + 1,
      inline: specOf.get(task.taskId)?.type === "inline",
      startedAt: iso(task.startedAt),
      finishedAt: iso(task.finishedAt),
      error: task.errorKind ? { kind: task.errorKind, message: task.errorMessage ?? "" } : null,
      result: task.resultMachine ? { machine: task.resultMachine, size: task.resultSize ?? 0, preview: task.resultPreview ?? "" } : null,
      /** A re-run took this result over instead of running the task: the run that produced it (and keeps it). */
      reusedFrom: task.reusedFrom,
      /** The code hash of the function that made its result (recorded with the result; null before one). */
      codeHash: task.codeHash,
      /** Set when the result was lost with its machine (results.recompute rebuilds it). */
      lost: task.lostAt ? { at: task.lostAt.toISOString(), machine: task.lostMachine ?? task.resultMachine ?? "" } : null,
    })),
  };
}

/** A message of `runs.watch`: the run's snapshot, or one tick's batch of events. */
export type WatchEvent = WatchMessageOf<RunView>;

export const runsRouter = router({
  start: userProcedure.input(StartInput).output(RunIdOut).mutation(async ({ ctx, input }) => ({ runId: await startRun(ctx, input) })),

  /** Starts a run and answers with its outcome when it ends. */
  execute: userProcedure.input(StartInput.extend({ materialize: z.boolean().optional() })).output(ExecuteOut).mutation(async ({ ctx, input }) => {
    const runId = await startRun(ctx, input);
    const outcome = (await ctx.runs.outcome(runId))!;
    if (!input.materialize || outcome.status !== "succeeded") return outcome;
    return materializeResults(ctx.results, runId, outcome, ctx.maxMessageBytes);
  }),

  cancel: userProcedure.input(RunId).output(CancelOut).mutation(async ({ ctx, input }) => {
    if (!ctx.runs.cancel(input.runId, `cancelled by ${ctx.principal.name}`)) {
      const found = await ctx.runs.get(input.runId);
      if (!found) throw new ApiError("NOT_FOUND", `no run "${input.runId}"`);
      return { ok: true as const, alreadyFinished: true };
    }
    return { ok: true as const, alreadyFinished: false };
  }),

  list: userProcedure
    .input(
      z
        .object({
          cursor: z.string().max(200).optional(),
          limit: z.number().int().min(1).max(200).default(50),
          status: Status.optional(),
          /** The DAG's name. */
          dag: z.string().min(1).max(200).optional(),
          startedBy: z.string().min(1).max(200).optional(),
          /** Runs created at or after (ISO 8601). */
          from: z.string().datetime({ offset: true }).optional(),
          /** Runs created before (ISO 8601). */
          to: z.string().datetime({ offset: true }).optional(),
        })
        .strict()
        .optional(),
    )
    .output(RunListOut)
    .query(async ({ ctx, input }) => {
      const page = await ctx.runs.list({
        limit: input?.limit ?? 50,
        ...(input?.cursor ? { cursor: input.cursor } : {}),
        ...(input?.status ? { status: input.status } : {}),
        ...(input?.dag ? { dagName: input.dag } : {}),
        ...(input?.startedBy ? { startedBy: input.startedBy } : {}),
        ...(input?.from ? { from: new Date(input.from) } : {}),
        ...(input?.to ? { to: new Date(input.to) } : {}),
      });
      const counts = await ctx.runs.countTasks(page.runs.map((run) => run.id));
      return { items: page.runs.map((run) => ({ ...summaryView(run), taskCounts: counts.get(run.id) ?? {} })), nextCursor: page.nextCursor ?? null };
    }),

  /** The same DAG again (see `RerunInput`): whole, or from failure reusing the old run's results where they are. */
  rerun: userProcedure.input(RerunInput).output(RerunOutput).mutation(({ ctx, input }) => rerun(ctx, input)),

  /** Every attempt of the run with its machine, timings, and the values it fetched from other machines (the Gantt view). */
  timeline: userProcedure.input(RunId).output(TimelineOut).query(async ({ ctx, input }) => {
    const found = await ctx.runs.get(input.runId);
    if (!found) throw new ApiError("NOT_FOUND", `no run "${input.runId}"`);
    const file = found.run.spec as DagFile;
    const specOf = new Map(file.tasks.map((task) => [task.id, task]));
    const attempts = await ctx.runs.attempts(input.runId);
    return {
      runId: found.run.id,
      status: found.run.status,
      startedAt: iso(found.run.startedAt ?? found.run.createdAt),
      finishedAt: iso(found.run.finishedAt),
      tasks: found.tasks.map((task) => ({
        taskId: task.taskId,
        fn: specOf.get(task.taskId)?.fn ?? null,
        cost: specOf.get(task.taskId)?.cost ?? {},
        deps: dependenciesOf(specOf.get(task.taskId)?.args),
        state: task.state,
        machine: task.machine,
      })),
      attempts: attempts.map((attempt) => ({
        id: attempt.id,
        taskId: attempt.taskId,
        number: attempt.number,
        machine: attempt.machine,
        state: attempt.state,
        startedAt: iso(attempt.startedAt),
        finishedAt: iso(attempt.finishedAt),
        errorKind: attempt.errorKind,
        metrics: (attempt.metrics ?? null) as AttemptMetrics | null,
      })),
    };
  }),

  get: userProcedure.input(RunId).output(RunViewOut).query(async ({ ctx, input }) => {
    return runView(ctx.runs, input.runId);
  }),

  attempts: userProcedure.input(RunId.extend({ taskId: z.string().min(1).max(200) })).output(AttemptsOut).query(async ({ ctx, input }) => {
    return (await ctx.runs.attempts(input.runId, input.taskId)).map((attempt) => ({
      id: attempt.id,
      number: attempt.number,
      machine: attempt.machine,
      state: attempt.state,
      startedAt: iso(attempt.startedAt),
      finishedAt: iso(attempt.finishedAt),
      error: attempt.errorKind ? { kind: attempt.errorKind, message: attempt.errorMessage ?? "" } : null,
      metrics: attempt.metrics,
      /** Why it ran on its machine (core's PlacementExplanation), when recorded. */
      placement: (attempt.placement ?? null) as PlacementExplanation | null,
    }));
  }),

  /** Why a task runs where it does, or what it waits for: counted reasons, and every machine's verdict while the run is live. */
  explainTask: userProcedure
    .input(RunId.extend({ taskId: z.string().min(1).max(200) }).strict())
    .output(TaskExplanationOutput)
    .query(async ({ ctx, input }) => {
      const found = await ctx.runs.explainTask(input.runId, input.taskId);
      if (!found) throw new ApiError("NOT_FOUND", `no task "${input.taskId}" in run "${input.runId}"`);
      return found;
    }),

  logs: userProcedure
    .input(RunId.extend({ taskId: z.string().min(1).max(200).optional(), afterId: z.number().int().nonnegative().optional(), limit: z.number().int().min(1).max(5000).optional() }))
    .output(LogsOut)
    .query(async ({ ctx, input }) => {
      const page = await ctx.runs.logs({
        runId: input.runId,
        ...(input.taskId ? { taskId: input.taskId } : {}),
        ...(input.afterId === undefined ? {} : { afterId: input.afterId }),
        ...(input.limit === undefined ? {} : { limit: input.limit }),
      });
      return {
        logs: page.logs.map((log) => ({ id: log.id, taskId: log.taskId, attemptId: log.attemptId, level: log.level, message: log.message, at: log.timestamp.toISOString() })),
        nextCursor: page.nextCursor ?? null,
        hasMore: page.hasMore,
      };
    }),

  /** A snapshot, then each scheduler tick's changes as one batch, until the run finishes (see run-watch.ts). */
  watch: userProcedure
    .input(RunId)
    .output(trackedAsyncIterable(watchMessageOutput(RunViewOut)))
    .subscription(({ ctx, input, signal: requestSignal }) => {
      // Ends when the client leaves or the credential that opened it is revoked (see endsWithCredential).
      const signal = ctx.credentialSignal && requestSignal ? AbortSignal.any([requestSignal, ctx.credentialSignal]) : requestSignal;
      return watchRunMessages(ctx.runs, input.runId, () => runView(ctx.runs, input.runId), signal);
    }),
});
