import { z } from "zod";
import { AttemptMetrics, DagFile } from "@handoff/protocol";
import { OnFailure, RunStatus, Strategy, TaskState } from "@handoff/core";
import { PlacementExplanationOutput } from "../routers/placement-explanation.ts";
import { IsoDateTime, MaterializedOut, RunOutcomeOut, stored } from "./shared-outputs.ts";

const Status = z.enum(RunStatus);
const State = z.enum(TaskState);
/** The options the run was started with (unset ones take the DAG's or the defaults). */
const RunOptionsOut = z.object({
  strategy: z.enum(Strategy).optional(),
  maxRetries: z.number().optional(),
  maxConcurrency: z.number().optional(),
  onFailure: z.enum(OnFailure).optional(),
  timeoutMs: z.number().optional(),
});
const TaskCountsOut = z.record(z.string(), z.number()).describe("task state → how many tasks are in it (`inline` counts inline tasks)");

export const RunIdOut = z.object({ runId: z.string() });

const summaryFields = {
  runId: z.string(),
  dagName: z.string().nullable(),
  dagVersion: z.number().nullable(),
  status: Status,
  startedBy: z.string().nullable(),
  createdAt: IsoDateTime,
  startedAt: IsoDateTime.nullable(),
  finishedAt: IsoDateTime.nullable(),
  durationMs: z.number().nullable(),
};

export const RunListOut = z.object({
  items: z.array(z.object({ ...summaryFields, taskCounts: TaskCountsOut })),
  nextCursor: z.string().nullable(),
});

const TaskErrorOut = z.object({ kind: z.string(), message: z.string() });

/** `runs.get`: the run, its DAG file and options, its outcome once ended, and every task's state. */
export const RunViewOut = z.object({
  ...summaryFields,
  options: stored(RunOptionsOut),
  file: DagFile,
  parentRunId: z.string().nullable(),
  reason: z.string().nullable(),
  triggerId: z.string().nullable().describe("the schedule or webhook that started it (reason schedule | webhook)"),
  params: z.record(z.string(), z.unknown()).nullable().describe("the run parameters' values it ran with (null when its DAG declares none)"),
  outcome: stored(RunOutcomeOut.nullable()),
  taskCounts: TaskCountsOut,
  tasks: z.array(
    z.object({
      taskId: z.string(),
      state: State,
      reason: z.string().nullable(),
      machine: z.string().nullable(),
      attempts: z.number(),
      maxAttempts: z.number(),
      inline: z.boolean(),
      startedAt: IsoDateTime.nullable(),
      finishedAt: IsoDateTime.nullable(),
      error: TaskErrorOut.nullable(),
      result: z.object({ machine: z.string(), size: z.number(), preview: z.string() }).nullable(),
      reusedFrom: z.string().nullable().describe("a re-run took this result over instead of running the task: the run that produced it"),
      codeHash: z.string().nullable().describe("the code hash of the function that made its result (for a shipped function: SHA-256 of its name and its bundle's hash)"),
      lost: z.object({ at: IsoDateTime, machine: z.string() }).nullable(),
    }),
  ),
});

/** `runs.wait`: the run without its DAG file and tasks; `finished` is false when the wait timed out first. */
export const RunWaitOut = z.object({
  finished: z.boolean(),
  run: RunViewOut.omit({ file: true, tasks: true }),
});

/** `runs.execute`: the outcome; with `materialize`, results that fit come back as values (`materialized` says which). */
export const ExecuteOut = RunOutcomeOut.extend({
  results: z.record(z.string(), z.unknown()).describe("task id → its result reference (as in `runs.get`), or with `materialize` and when it fits, its value as JSON"),
  materialized: z.record(z.string(), MaterializedOut).optional(),
});

export const CancelOut = z.object({ ok: z.literal(true), alreadyFinished: z.boolean() });

export const TimelineOut = z.object({
  runId: z.string(),
  status: Status,
  startedAt: IsoDateTime.nullable(),
  finishedAt: IsoDateTime.nullable(),
  tasks: z.array(
    z.object({
      taskId: z.string(),
      fn: z.string().nullable(),
      cost: z.record(z.string(), z.number()),
      deps: z.array(z.string()),
      state: State,
      machine: z.string().nullable(),
    }),
  ),
  attempts: z.array(
    z.object({
      id: z.string(),
      taskId: z.string(),
      number: z.number(),
      machine: z.string().nullable(),
      state: State,
      startedAt: IsoDateTime.nullable(),
      finishedAt: IsoDateTime.nullable(),
      errorKind: z.string().nullable(),
      metrics: stored(AttemptMetrics.nullable()),
    }),
  ),
});

export const AttemptsOut = z.array(
  z.object({
    id: z.string(),
    number: z.number(),
    machine: z.string().nullable(),
    state: State,
    startedAt: IsoDateTime.nullable(),
    finishedAt: IsoDateTime.nullable(),
    error: TaskErrorOut.nullable(),
    metrics: stored(AttemptMetrics.nullable()),
    /** Why the attempt ran where it did (core's placement explanation, recorded at assignment). */
    placement: PlacementExplanationOutput.nullable(),
  }),
);

export const LogsOut = z.object({
  logs: z.array(z.object({ id: z.number(), taskId: z.string().nullable(), attemptId: z.string().nullable(), level: z.string(), message: z.string(), at: IsoDateTime })),
  nextCursor: z.number().nullable(),
  hasMore: z.boolean(),
});

