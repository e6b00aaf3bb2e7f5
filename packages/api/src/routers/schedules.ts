import { z } from "zod";
import { CATCH_UP_POLICIES, ErrorKind } from "@handoff/core";
import type { ScheduleRecord } from "@handoff/db";
import { ParamValues } from "@handoff/protocol";
import type { ApiContext } from "../context.ts";
import { FiringOut, ScheduleOut } from "../outputs/trigger-outputs.ts";
import { bindRunParams } from "../run-params.ts";
import { compileCron, MAX_ACTIVE_RUNS_LIMIT, MAX_CATCH_UP, MAX_CRON_LENGTH } from "../schedule-cron.ts";
import { AuditKind } from "../services/audit.ts";
import { DagName, dagNamed, savedDagFile } from "../trigger-run.ts";
import { ApiError, adminProcedure, router, userProcedure } from "../trpc.ts";

const ScheduleId = z.string().min(1).max(100);
/** The most firings `history` lists at once. */
export const MAX_FIRINGS_LISTED = 500;
const CatchUp = z.enum(CATCH_UP_POLICIES);

const Settings = {
  cron: z.string().min(1).max(MAX_CRON_LENGTH).describe("5 fields (minute hour day month weekday), or 6 with seconds first"),
  timeZone: z.string().min(1).max(64).describe("an IANA time zone: Europe/Berlin, UTC"),
  params: ParamValues.nullable(),
  enabled: z.boolean(),
  catchUp: CatchUp,
  catchUpLimit: z.number().int().min(1).max(MAX_CATCH_UP),
  maxActiveRuns: z.number().int().min(1).max(MAX_ACTIVE_RUNS_LIMIT),
};

/** A refusal naming the field (`cron: …`), with it in `details.issues` as input errors have. */
function invalid(path: string, message: string): ApiError {
  return new ApiError("BAD_REQUEST", `${path}: ${message}`, undefined, ErrorKind.InvalidRequest, { issues: [{ path, message }] });
}

function nextAt(schedule: Pick<ScheduleRecord, "cron" | "timeZone" | "enabled">, now: number): string | null {
  if (!schedule.enabled) return null;
  const compiled = compileCron(schedule.cron, schedule.timeZone);
  const next = compiled.ok ? compiled.times.nextAfter(now) : null;
  return next === null ? null : new Date(next).toISOString();
}

function scheduleView(schedule: ScheduleRecord) {
  return {
    id: schedule.id,
    dagName: schedule.dagName,
    cron: schedule.cron,
    timeZone: schedule.timeZone,
    params: schedule.params,
    enabled: schedule.enabled,
    catchUp: schedule.catchUp,
    catchUpLimit: schedule.catchUpLimit,
    maxActiveRuns: schedule.maxActiveRuns,
    nextAt: nextAt(schedule, Date.now()),
    createdBy: schedule.createdBy,
    createdAt: schedule.createdAt.toISOString(),
    updatedAt: schedule.updatedAt.toISOString(),
  };
}


/** The cron expression in its time zone, and the params against the DAG's latest version: refused by name. */
async function check(ctx: ApiContext, dag: { id: string; name: string }, settings: Pick<ScheduleRecord, "cron" | "timeZone" | "params">): Promise<void> {
  const compiled = compileCron(settings.cron, settings.timeZone);
  if (!compiled.ok) throw invalid(compiled.field, compiled.message);
  const { file } = await savedDagFile(ctx.dags, dag);
  bindRunParams(file, settings.params ?? undefined);
}

async function scheduleOf(ctx: ApiContext, id: string): Promise<ScheduleRecord> {
  const schedule = await ctx.triggers.schedules.get(id);
  if (!schedule) throw new ApiError("NOT_FOUND", `no schedule "${id}"`);
  return schedule;
}

export const schedulesRouter = router({
  /** A saved DAG's schedules, each with its next firing time. */
  list: userProcedure.input(z.object({ dag: DagName })).output(z.array(ScheduleOut)).query(async ({ ctx, input }) => {
    const dag = await dagNamed(ctx.dags, input.dag);
    return (await ctx.triggers.schedules.list({ dagId: dag.id })).map(scheduleView);
  }),

  /** One schedule, with its DAG's name and its next firing time. */
  get: userProcedure.input(z.object({ id: ScheduleId })).output(ScheduleOut).query(async ({ ctx, input }) => scheduleView(await scheduleOf(ctx, input.id))),

  /** A cron schedule for a saved DAG; each firing starts a run of its latest version with `params`. */
  create: adminProcedure
    .input(
      z.object({
        dag: DagName,
        cron: Settings.cron,
        timeZone: Settings.timeZone.default("UTC"),
        params: Settings.params.default(null),
        enabled: Settings.enabled.default(true),
        catchUp: Settings.catchUp.default("latest"),
        catchUpLimit: Settings.catchUpLimit.default(1),
        maxActiveRuns: Settings.maxActiveRuns.default(1),
      }),
    )
    .output(ScheduleOut)
    .mutation(async ({ ctx, input }) => {
      const { dag: name, ...settings } = input;
      const dag = await dagNamed(ctx.dags, name);
      await check(ctx, dag, settings);
      const created = await ctx.triggers.schedules.create(dag.id, settings, ctx.principal.name, new Date());
      ctx.audit.record({ kind: AuditKind.ScheduleCreated, actor: ctx.principal, ip: ctx.clientAddress, details: { id: created.id, dag: name, cron: settings.cron, timeZone: settings.timeZone } });
      ctx.triggers.schedulesChanged();
      return scheduleView(created);
    }),

  /** Changes some settings; a changed expression, time zone or re-enabling counts from now (nothing caught up). */
  update: adminProcedure
    .input(
      z.object({
        id: ScheduleId,
        cron: Settings.cron.optional(),
        timeZone: Settings.timeZone.optional(),
        params: Settings.params.optional(),
        enabled: Settings.enabled.optional(),
        catchUp: Settings.catchUp.optional(),
        catchUpLimit: Settings.catchUpLimit.optional(),
        maxActiveRuns: Settings.maxActiveRuns.optional(),
      }),
    )
    .output(ScheduleOut)
    .mutation(async ({ ctx, input }) => {
      const { id, ...given } = input;
      const current = await scheduleOf(ctx, id);
      const changes = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) as typeof given;
      await check(ctx, { id: current.dagId, name: current.dagName }, { ...current, ...changes });
      const updated = await ctx.triggers.schedules.update(id, changes, new Date());
      if (!updated) throw new ApiError("NOT_FOUND", `no schedule "${id}" (deleted meanwhile)`);
      ctx.audit.record({ kind: AuditKind.ScheduleUpdated, actor: ctx.principal, ip: ctx.clientAddress, details: { id, changed: Object.keys(changes) } });
      ctx.triggers.schedulesChanged();
      return scheduleView(updated);
    }),

  delete: adminProcedure.input(z.object({ id: ScheduleId })).output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx, input }) => {
    if (!(await ctx.triggers.schedules.delete(input.id))) throw new ApiError("NOT_FOUND", `no schedule "${input.id}"`);
    ctx.audit.record({ kind: AuditKind.ScheduleDeleted, actor: ctx.principal, ip: ctx.clientAddress, details: { id: input.id } });
    ctx.triggers.schedulesChanged();
    return { ok: true as const };
  }),

  /** The schedule's firings, newest first: what each became and the run it started. */
  history: userProcedure
    .input(z.object({ id: ScheduleId, limit: z.number().int().min(1).max(MAX_FIRINGS_LISTED).default(50) }))
    .output(z.array(FiringOut))
    .query(async ({ ctx, input }) => {
      await scheduleOf(ctx, input.id);
      return (await ctx.triggers.schedules.firings(input.id, input.limit)).map((firing) => ({
        scheduledAt: firing.scheduledAt.toISOString(),
        firedAt: firing.firedAt.toISOString(),
        outcome: firing.outcome,
        reason: firing.reason,
        runId: firing.runId,
      }));
    }),
});
