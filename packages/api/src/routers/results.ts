import { z } from "zod";
import type { ResultFailure } from "../services/results.ts";
import { ApiError, adminProcedure, failureError, router, userProcedure } from "../trpc.ts";
import { OkOut, ResultReferenceOut, ResultValueOut } from "../outputs/catalogue-outputs.ts";

const Key = z.object({ runId: z.string().min(1).max(200), taskId: z.string().min(1).max(200) });

function fail(failure: ResultFailure): never {
  throw failureError(failure);
}

export const resultsRouter = router({
  /** Where the result lives and what it looks like; waits up to `timeoutMs` for it to exist. */
  get: userProcedure.input(Key.extend({ timeoutMs: z.number().int().min(0).max(3_600_000).default(0) })).output(ResultReferenceOut).query(async ({ ctx, input }) => {
    const ref = await ctx.results.reference(input.runId, input.taskId, input.timeoutMs);
    if (!ref) {
      throw new ApiError(input.timeoutMs > 0 ? "TIMEOUT" : "NOT_FOUND", `no result for task "${input.taskId}" of run "${input.runId}"${input.timeoutMs > 0 ? ` within ${input.timeoutMs} ms` : ""}`);
    }
    const gone = ctx.results.unreadable(ref, input.taskId);
    if (gone) fail(gone);
    return ref;
  }),

  /** The value itself, relayed from the machine that holds it (or `fromMachine`). */
  value: userProcedure.input(Key.extend({ fromMachine: z.string().min(1).max(200).optional() })).output(ResultValueOut).query(async ({ ctx, input }) => {
    const got = await ctx.results.value(input.runId, input.taskId, input.fromMachine, ctx.maxMessageBytes);
    if (!got.ok) fail(got.failure);
    return got.value;
  }),

  /**
   * Recomputes a finished run's value from lineage: a new run (linked to this one, `reason: "recompute"`) of the
   * task and every task upstream of it, from the DAG stored with the run. Once it has produced the value,
   * `value`/`get` of the old run serve it from there.
   */
  recompute: userProcedure.input(Key).output(z.object({ runId: z.string() })).mutation(async ({ ctx, input }) => {
    const started = await ctx.results.recompute(ctx.principal.name, input.runId, input.taskId);
    if (!started.ok) throw failureError(started.error);
    return { runId: started.runId };
  }),

  store: adminProcedure.input(Key.extend({ value: z.unknown(), machine: z.string().min(1).max(200) })).output(ResultReferenceOut).mutation(async ({ ctx, input }) => {
    const stored = await ctx.results.store(input.runId, input.taskId, input.value, input.machine);
    if (!stored.ok) fail(stored.failure);
    return stored.value;
  }),

  lookup: userProcedure.input(Key).output(z.object({ machine: z.string().nullable() })).query(async ({ ctx, input }) => ({ machine: (await ctx.results.lookup(input.runId, input.taskId))?.machine ?? null })),

  registerLocation: adminProcedure.input(Key.extend({ machine: z.string().min(1).max(200) })).output(OkOut).mutation(({ ctx, input }) => {
    if (!ctx.results.registerLocation(input.runId, input.taskId, input.machine)) throw new ApiError("NOT_FOUND", `unknown machine "${input.machine}"`);
    return { ok: true as const };
  }),
});
