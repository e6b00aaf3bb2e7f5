import { ErrorKind, type RunOptions, type SchedulerEvent, type TaskChange } from "@handoff/core";
import type { AttemptChange, InFlightRun, TaskRecord } from "@handoff/db";
import { DagFile, toDagSpec, type TaskFinishedItem } from "@handoff/protocol";
import { attemptParts } from "./attempt-id.ts";
import { refFromRow } from "./result-lookup.ts";
import type { ResultRef } from "./result-locations.ts";

/** A finished report that arrived for an attempt of a run still waiting to be resumed. */
export interface HeldReport {
  readonly machine: string;
  readonly runId: string;
  readonly taskId: string;
  readonly item: TaskFinishedItem;
  readonly storeId?: string;
}

export interface ResumeInput {
  /** Runs the previous server process left in flight, as stored. */
  readonly runs: readonly InFlightRun[];
  /** Attempts running at the restart → the machine that ran them. */
  readonly held: ReadonlyMap<string, string>;
  /** Agents' reports of attempts finished meanwhile, by attempt id. */
  readonly reports: ReadonlyMap<string, HeldReport>;
  /** Attempts the returning agents say they still run → their machine. */
  readonly stillRunning: ReadonlyMap<string, string>;
  readonly isConnected: (machine: string) => boolean;
  /** The result store instance the machine's agent announced (null when unknown). */
  readonly storeIdOf: (machine: string) => string | null;
  readonly now: number;
}

type RunSubmitted = Extract<SchedulerEvent, { type: "run_submitted" }>;
type ResumeTasks = Record<string, NonNullable<RunSubmitted["resume"]>["tasks"][string]>;

/** An attempt still running on a machine that came back: the scheduler adopts it. */
export interface AdoptedAttempt {
  readonly attemptId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly number: number;
  readonly machine: string;
  readonly startedAt: number;
}

export interface ResumedRun {
  readonly runId: string;
  /** Hand to `decide`, after the results, adoptions and changes below. */
  readonly event: RunSubmitted;
  /** Results of tasks that had succeeded before the restart, where they still are. */
  readonly results: readonly { readonly taskId: string; readonly ref: ResultRef }[];
  readonly adoptedAttempts: readonly AdoptedAttempt[];
  /** Tasks whose succeeded attempt an agent reported while the server was away. */
  readonly changes: readonly TaskChange[];
  /** Attempt rows to write before the run goes on. */
  readonly writes: readonly AttemptChange[];
  readonly succeeded: number;
  readonly adopted: number;
}

export interface ResumePlan {
  readonly runs: readonly ResumedRun[];
  /** Runs whose stored DAG cannot be read: they become interrupted. */
  readonly unreadable: readonly string[];
  /** Attempts to stop on their agents (a task done another way, or not adopted). */
  readonly aborts: readonly { readonly machine: string; readonly attemptId: string }[];
  /** Holders of results the runs need that did not come back: their results are lost (offline events). */
  readonly events: readonly SchedulerEvent[];
}

/**
 * Takes over the runs a previous server process left in flight: succeeded tasks keep their results where they
 * are; attempts that finished while the server was away are adopted from their agents' reports; attempts still
 * running on returning machines are adopted, the other running ones fail (`interrupted`) and run again (attempt
 * numbers continue, so a late report of an old attempt is fenced). Results on machines that did not come back
 * are lost, so the core recomputes those still needed. Pure: the caller carries the plan out.
 * @example
 * const plan = planResume({ runs, held, reports, stillRunning, isConnected, storeIdOf, now: clock.now() });
 * for (const run of plan.runs) dispatch(run.event);
 */
export function planResume(input: ResumeInput): ResumePlan {
  const aborts: { machine: string; attemptId: string }[] = [];
  const absentHolders = new Set<string>();
  const runs: ResumedRun[] = [];
  const unreadable: string[] = [];
  for (const inFlight of input.runs) {
    const parsed = DagFile.safeParse(inFlight.run.spec);
    if (!parsed.success) {
      unreadable.push(inFlight.run.id);
      continue;
    }
    runs.push(planRun(input, inFlight, { aborts, absentHolders, toEvent: (resume) => ({ type: "run_submitted", now: input.now, runId: inFlight.run.id, dag: toDagSpec(parsed.data), options: (inFlight.run.options ?? {}) as RunOptions, resume: { tasks: resume } }) }));
  }
  const events: SchedulerEvent[] = [...absentHolders].map((name) => ({ type: "machine_status_changed", now: input.now, name, status: "offline" }));
  return { runs, unreadable, aborts, events };
}

interface RunScratch {
  readonly runId: string;
  readonly numbers: Map<string, number>;
  readonly adopted: Map<string, ResultRef>;
  readonly adoptRunning: Map<string, AdoptedAttempt>;
  readonly succeededBefore: ReadonlySet<string>;
  readonly known: Set<string>;
  readonly writes: AttemptChange[];
}

interface PlanSinks {
  readonly aborts: { machine: string; attemptId: string }[];
  readonly absentHolders: Set<string>;
  readonly toEvent: (resume: ResumeTasks) => RunSubmitted;
}

function planRun(input: ResumeInput, { run, tasks, attempts }: InFlightRun, sinks: PlanSinks): ResumedRun {
  const scratch: RunScratch = {
    runId: run.id,
    numbers: new Map(),
    adopted: new Map(),
    adoptRunning: new Map(),
    succeededBefore: new Set(tasks.filter((task) => task.state === "succeeded").map((task) => task.taskId)),
    known: new Set(attempts.map((attempt) => attempt.id)),
    writes: [],
  };
  for (const attempt of attempts) raise(scratch.numbers, attempt.taskId, attempt.number);
  adoptReports(input, scratch);
  adoptStillRunning(input, scratch, attempts, sinks.aborts);
  failInterrupted(input, scratch, attempts, sinks.aborts);
  const resume: ResumeTasks = {};
  const results: { taskId: string; ref: ResultRef }[] = [];
  const changes: TaskChange[] = [];
  for (const task of tasks) {
    const attemptsSoFar = Math.max(task.attempts, scratch.numbers.get(task.taskId) ?? 0);
    const kept = keptResult(input, task);
    const adopt = scratch.adopted.get(task.taskId);
    if (kept) {
      resume[task.taskId] = { attempts: attemptsSoFar, succeeded: { machine: kept.machine, result: kept } };
      results.push({ taskId: task.taskId, ref: kept });
      if (!input.isConnected(kept.machine)) sinks.absentHolders.add(kept.machine);
    } else if (adopt) {
      resume[task.taskId] = { attempts: attemptsSoFar, succeeded: { machine: adopt.machine, result: adopt } };
      changes.push({ runId: run.id, taskId: task.taskId, state: "succeeded", at: input.now, attempts: attemptsSoFar, maxAttempts: attemptsSoFar, machine: adopt.machine, result: adopt });
    } else {
      const running = scratch.adoptRunning.get(task.taskId);
      resume[task.taskId] = { attempts: attemptsSoFar, ...(running ? { running: { attemptId: running.attemptId, machine: running.machine } } : {}) };
    }
  }
  return {
    runId: run.id,
    event: sinks.toEvent(resume),
    results,
    adoptedAttempts: [...scratch.adoptRunning.values()],
    changes,
    writes: scratch.writes,
    succeeded: Object.values(resume).filter((entry) => entry.succeeded).length,
    adopted: scratch.adopted.size,
  };
}

const raise = (numbers: Map<string, number>, taskId: string, number: number): void => void numbers.set(taskId, Math.max(numbers.get(taskId) ?? 0, number));

/** A task that had succeeded keeps its result, unless it was lost meanwhile (its holder came back with another store). */
function keptResult(input: ResumeInput, task: TaskRecord): ResultRef | undefined {
  const holder = task.resultMachine ?? task.machine;
  if (task.state !== "succeeded" || holder === null) return undefined;
  const liveStoreId = input.storeIdOf(holder);
  const lostMeanwhile = task.lostAt !== null || (task.resultStoreId !== null && liveStoreId !== null && liveStoreId !== task.resultStoreId);
  if (lostMeanwhile) return undefined;
  return refFromRow({ ...task, resultMachine: holder }) ?? { machine: holder, size: 0, contentType: "application/json", preview: "", truncated: false };
}

/** Succeeded attempts reported by returning agents (queued while the server was away, or re-announced at hello). */
function adoptReports(input: ResumeInput, scratch: RunScratch): void {
  for (const [attemptId, report] of input.reports) {
    if (report.runId !== scratch.runId || !report.item.ok || scratch.succeededBefore.has(report.taskId) || scratch.adopted.has(report.taskId)) continue;
    const number = attemptParts(attemptId)?.number ?? 1;
    raise(scratch.numbers, report.taskId, number);
    scratch.adopted.set(report.taskId, { machine: report.machine, ...report.item.result, ...(report.storeId === undefined ? {} : { storeId: report.storeId }) });
    scratch.writes.push({
      id: attemptId,
      runId: scratch.runId,
      taskId: report.taskId,
      number,
      state: "succeeded",
      machine: report.machine,
      finishedAt: new Date(input.now),
      ...(scratch.known.has(attemptId) ? {} : { startedAt: new Date(input.now) }),
      ...(report.item.metrics.wallMs > 0 ? { metrics: report.item.metrics } : {}),
    });
    scratch.known.add(attemptId);
  }
}

/** Attempts still running on machines that came back (known to the database or not: its last writes may not have landed). */
function adoptStillRunning(input: ResumeInput, scratch: RunScratch, attempts: InFlightRun["attempts"], aborts: PlanSinks["aborts"]): void {
  for (const [attemptId, machine] of input.stillRunning) {
    const parts = attemptParts(attemptId);
    if (parts?.runId !== scratch.runId || input.reports.has(attemptId) || !input.isConnected(machine)) continue;
    if (scratch.succeededBefore.has(parts.taskId) || scratch.adopted.has(parts.taskId) || scratch.adoptRunning.has(parts.taskId)) {
      aborts.push({ machine, attemptId });
      continue;
    }
    const startedAt = attempts.find((attempt) => attempt.id === attemptId)?.startedAt?.getTime() ?? input.now;
    scratch.adoptRunning.set(parts.taskId, { attemptId, runId: scratch.runId, taskId: parts.taskId, number: parts.number, machine, startedAt });
    raise(scratch.numbers, parts.taskId, parts.number);
    if (!scratch.known.has(attemptId)) {
      scratch.writes.push({ id: attemptId, runId: scratch.runId, taskId: parts.taskId, number: parts.number, state: "running", machine, startedAt: new Date(startedAt) });
    }
  }
}

/** Stored running attempts neither reported nor adopted failed with the restart (their agents are told to stop). */
function failInterrupted(input: ResumeInput, scratch: RunScratch, attempts: InFlightRun["attempts"], aborts: PlanSinks["aborts"]): void {
  for (const attempt of attempts) {
    if (attempt.state !== "running") continue;
    const report = input.reports.get(attempt.id);
    if (report?.item.ok && scratch.adopted.get(attempt.taskId)?.machine === report.machine) continue;
    if (scratch.adoptRunning.get(attempt.taskId)?.attemptId === attempt.id) continue;
    if (!report && input.held.has(attempt.id) && attempt.machine !== null && input.isConnected(attempt.machine)) aborts.push({ machine: attempt.machine, attemptId: attempt.id });
    const error = report && !report.item.ok ? report.item.error : { kind: ErrorKind.Interrupted, message: "the server restarted during this attempt; the task runs again" };
    scratch.writes.push({
      id: attempt.id,
      runId: scratch.runId,
      taskId: attempt.taskId,
      number: attempt.number,
      state: "failed",
      finishedAt: new Date(input.now),
      errorKind: error.kind,
      errorMessage: error.message,
      ...(report?.item.metrics === undefined ? {} : { metrics: report.item.metrics }),
    });
  }
}
