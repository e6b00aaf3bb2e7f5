import { randomUUID } from "node:crypto";
import { TERMINAL_RUN_STATUSES, type CatchUpPolicy } from "@handoff/core";
import type { DatabaseClient } from "./database-client.ts";
import type { Schedule, ScheduleFiring } from "./generated/sqlite/client.ts";
import { isUniqueViolation } from "./is-unique-violation.ts";
import { fromOptionalJsonColumn, toOptionalJsonColumn } from "./json-column.ts";

export interface ScheduleRecord {
  id: string;
  dagId: string;
  /** The saved DAG's name (joined). */
  dagName: string;
  cron: string;
  timeZone: string;
  params: Record<string, unknown> | null;
  enabled: boolean;
  catchUp: CatchUpPolicy;
  catchUpLimit: number;
  maxActiveRuns: number;
  cursorAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type ScheduleSettings = Pick<ScheduleRecord, "cron" | "timeZone" | "params" | "enabled" | "catchUp" | "catchUpLimit" | "maxActiveRuns">;

/** `pending` while the inserting server starts the run; then `started`, `skipped` (with why) or `failed`. */
export type FiringOutcome = "pending" | "started" | "skipped" | "failed";

export interface FiringRecord {
  id: string;
  scheduleId: string;
  scheduledAt: Date;
  firedAt: Date;
  outcome: FiringOutcome;
  reason: string | null;
  runId: string | null;
}

export interface ScheduleRepository {
  create(dagId: string, settings: ScheduleSettings, by: string | null, now: Date): Promise<ScheduleRecord>;
  update(id: string, settings: Partial<ScheduleSettings>, now: Date): Promise<ScheduleRecord | undefined>;
  delete(id: string): Promise<boolean>;
  get(id: string): Promise<ScheduleRecord | undefined>;
  /** A DAG's schedules (by creation), or every enabled one (`enabledOnly`). */
  list(filter: { readonly dagId?: string; readonly enabledOnly?: boolean }): Promise<ScheduleRecord[]>;
  /** Moves the cursor forward only (never back: another server may have moved it further). */
  advanceCursor(id: string, to: Date): Promise<void>;
  /**
   * Inserts the firing of (schedule, scheduledAt) as `pending`: `claimed` only for the one caller whose insert
   * won — the unique key is what makes a firing happen once across restarts and servers.
   */
  claimFiring(scheduleId: string, scheduledAt: Date, now: Date): Promise<{ readonly claimed: true; readonly firing: FiringRecord } | { readonly claimed: false }>;
  /** Records what a claimed firing became. */
  settleFiring(id: string, outcome: Exclude<FiringOutcome, "pending">, reason: string | null, runId: string | null): Promise<void>;
  /** Newest first, at most `limit`. */
  firings(scheduleId: string, limit: number): Promise<FiringRecord[]>;
  /** Firings still `pending` that were claimed before `claimedBefore` (their server stopped between claim and start). */
  pendingFirings(scheduleId: string, claimedBefore: Date): Promise<FiringRecord[]>;
  /** Runs a schedule (or webhook) started that have not ended. */
  activeRuns(triggerId: string): Promise<number>;
}

type Row = Schedule & { dag: { name: string } };

function toRecord(row: Row): ScheduleRecord {
  const { dag, ...rest } = row;
  return { ...rest, dagName: dag.name, catchUp: row.catchUp as CatchUpPolicy, params: fromOptionalJsonColumn(row.params) as Record<string, unknown> | null };
}

const toFiring = (row: ScheduleFiring): FiringRecord => ({ ...row, outcome: row.outcome as FiringOutcome });
const withDag = { dag: { select: { name: true } } } as const;
const ACTIVE = { notIn: [...TERMINAL_RUN_STATUSES] };

/**
 * Schedules and their firings. A firing row is inserted before its run starts; the (scheduleId, scheduledAt) unique key
 * lets exactly one inserter start it.
 * @example
 * const claim = await schedules.claimFiring(schedule.id, at, new Date());
 * if (claim.claimed) await schedules.settleFiring(claim.firing.id, "started", null, runId);
 */
export function createScheduleRepository(client: DatabaseClient): ScheduleRepository {
  return {
    async create(dagId, settings, by, now) {
      const row = await client.schedule.create({
        data: { id: randomUUID(), dagId, ...settings, params: toOptionalJsonColumn(settings.params), createdBy: by, createdAt: now, updatedAt: now },
        include: withDag,
      });
      return toRecord(row);
    },
    async update(id, settings, now) {
      const { params, ...rest } = settings;
      // A changed expression or time zone starts counting from now: the old cursor belongs to the old times.
      const restart = settings.cron !== undefined || settings.timeZone !== undefined || settings.enabled === true;
      const updated = await client.schedule.updateMany({
        where: { id },
        data: { ...rest, ...(params === undefined ? {} : { params: toOptionalJsonColumn(params) }), ...(restart ? { cursorAt: now } : {}), updatedAt: now },
      });
      return updated.count === 0 ? undefined : this.get(id);
    },
    async delete(id) {
      return (await client.schedule.deleteMany({ where: { id } })).count > 0;
    },
    async get(id) {
      const row = await client.schedule.findUnique({ where: { id }, include: withDag });
      return row === null ? undefined : toRecord(row);
    },
    async list(filter) {
      const rows = await client.schedule.findMany({
        where: { ...(filter.dagId === undefined ? {} : { dagId: filter.dagId }), ...(filter.enabledOnly ? { enabled: true } : {}) },
        include: withDag,
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      });
      return rows.map(toRecord);
    },
    async advanceCursor(id, to) {
      await client.schedule.updateMany({ where: { id, OR: [{ cursorAt: null }, { cursorAt: { lt: to } }] }, data: { cursorAt: to } });
    },
    async claimFiring(scheduleId, scheduledAt, now) {
      try {
        const row = await client.scheduleFiring.create({ data: { id: randomUUID(), scheduleId, scheduledAt, firedAt: now, outcome: "pending" } });
        return { claimed: true, firing: toFiring(row) };
      } catch (error) {
        if (isUniqueViolation(error)) return { claimed: false };
        throw error;
      }
    },
    async settleFiring(id, outcome, reason, runId) {
      await client.scheduleFiring.updateMany({ where: { id }, data: { outcome, reason, runId } });
    },
    async firings(scheduleId, limit) {
      const rows = await client.scheduleFiring.findMany({ where: { scheduleId }, orderBy: [{ scheduledAt: "desc" }], take: limit });
      return rows.map(toFiring);
    },
    async pendingFirings(scheduleId, claimedBefore) {
      const rows = await client.scheduleFiring.findMany({ where: { scheduleId, outcome: "pending", firedAt: { lt: claimedBefore } }, orderBy: [{ scheduledAt: "asc" }], take: 100 });
      return rows.map(toFiring);
    },
    activeRuns: (triggerId) => client.run.count({ where: { triggerId, status: ACTIVE } }),
  };
}
