import { z } from "zod";
import { DagFile, toDagSpec } from "@handoff/protocol";
import { Strategy as StrategyName, validateDag } from "@handoff/core";
import { ApiError, router, userProcedure } from "../trpc.ts";
import { DagCheckOut, DagListOut, DagOut, DagVersionsOut, SavedDagOut } from "../outputs/catalogue-outputs.ts";

const Strategy = z.enum(StrategyName);

export const dagsRouter = router({
  /** Validation, feasibility against the live cluster, and where each task would run right now. */
  check: userProcedure.input(z.object({ file: DagFile, strategy: Strategy.optional() })).output(DagCheckOut).query(({ ctx, input }) => {
    const dag = toDagSpec(input.file);
    return {
      problems: ctx.dags.check(dag),
      placement: ctx.dags.previewPlacement(dag, input.strategy ?? input.file.strategy ?? "first_available"),
    };
  }),

  save: userProcedure.input(z.object({ file: DagFile })).output(SavedDagOut).mutation(async ({ ctx, input }) => {
    const problems = validateDag(toDagSpec(input.file));
    if (problems.length > 0) throw new ApiError("BAD_REQUEST", `the DAG is invalid: ${problems.map((p) => p.message).join("; ")}`, problems);
    const existing = await ctx.dags.getByName(input.file.name);
    if (existing) {
      const saved = await ctx.dags.saveVersion(existing.id, {
        spec: input.file,
        createdBy: ctx.principal.name,
        ...(input.file.description === undefined ? {} : { description: input.file.description }),
      });
      if (saved.kind === "not_found") throw new ApiError("CONFLICT", `DAG "${input.file.name}" was deleted while saving`);
      return { name: saved.dag.name, version: saved.version.version };
    }
    const created = await ctx.dags.create({
      name: input.file.name,
      spec: input.file,
      createdBy: ctx.principal.name,
      ...(input.file.description === undefined ? {} : { description: input.file.description }),
    });
    if (created.kind === "name_taken") {
      throw new ApiError("CONFLICT", `DAG "${input.file.name}" was created by someone else at the same time; save again`);
    }
    return { name: created.dag.name, version: created.version.version };
  }),

  list: userProcedure
    .input(z.object({ cursor: z.string().max(200).optional(), limit: z.number().int().min(1).max(200).default(50) }).optional())
    .output(DagListOut)
    .query(async ({ ctx, input }) => {
      const all = (await ctx.dags.list()).sort((a, b) => (a.name < b.name ? -1 : 1));
      const start = input?.cursor ? all.findIndex((dag) => dag.name > input.cursor!) : 0;
      const limit = input?.limit ?? 50;
      const from = start < 0 ? all.length : start;
      const page = all.slice(from, from + limit);
      return {
        items: page.map((dag) => ({ name: dag.name, description: dag.description, latestVersion: dag.latestVersion, updatedAt: dag.updatedAt.toISOString() })),
        nextCursor: from + limit < all.length ? page[page.length - 1]!.name : null,
      };
    }),

  versions: userProcedure.input(z.object({ name: z.string().min(1).max(200) })).output(DagVersionsOut).query(async ({ ctx, input }) => {
    const dag = await ctx.dags.getByName(input.name);
    if (!dag) throw new ApiError("NOT_FOUND", `no DAG named "${input.name}"`);
    return (await ctx.dags.listVersions(dag.id)).map((version) => ({
      version: version.version,
      createdAt: version.createdAt.toISOString(),
      createdBy: version.createdBy,
    }));
  }),

  get: userProcedure.input(z.object({ name: z.string().min(1).max(200), version: z.number().int().positive().optional() })).output(DagOut).query(async ({ ctx, input }) => {
    const dag = await ctx.dags.getByName(input.name);
    if (!dag) throw new ApiError("NOT_FOUND", `no DAG named "${input.name}"`);
    const version = await ctx.dags.getVersion(dag.id, input.version);
    if (!version) throw new ApiError("NOT_FOUND", `DAG "${input.name}" has no version ${input.version ?? "(latest)"}`);
    return { name: dag.name, version: version.version, file: version.spec as DagFile };
  }),
});
