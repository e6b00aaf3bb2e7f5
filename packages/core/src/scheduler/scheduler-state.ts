import type { MachineName, Resources, TaskId, TaskState } from "../dag/model.ts";
import type { TaskError } from "../errors.ts";
import type { PlacementExplanation } from "../placement/explain.ts";
import { ResourceLedger } from "../ledger/resource-ledger.ts";
import type { CompiledDag } from "./compile-dag.ts";
import type { AttemptId, MachineStatus, RunId, RunOptions, TaskFailure } from "./messages.ts";
import { TimerHeap } from "./timer-heap.ts";

export interface MachineEntry {
  readonly name: MachineName;
  readonly capacity: Resources;
  readonly functions: ReadonlySet<string>;
  status: MachineStatus;
  /** Attempts its agent takes beyond its free slots (0 to its slots; see `assign-ahead.ts`). */
  readonly aheadDepth: number;
  /** Its agent holds an attempt until a producer's value lands in its store (see `pre-assign.ts`). */
  readonly preAssign: boolean;
}

export interface TaskRuntime {
  state: TaskState;
  /** Regular dependencies not yet succeeded. */
  remaining: number;
  /** Attempts started. */
  attempts: number;
  /** Failed attempts that count against the retry budget. */
  countedFailures: number;
  /** Attempts lost with their machine (they do not count, up to a bound). */
  machineLosses: number;
  currentAttempt: AttemptId | null;
  /** The machine of the current or last attempt. */
  machine: MachineName | null;
  /** Where the result lives once succeeded. */
  resultMachine: MachineName | null;
  result: unknown;
  reason: string | undefined;
  isQueued: boolean;
  noMachineSince: number | null;
  lastError: TaskError | null;
  /** Why the current attempt runs where it does, or why the task waits (its last placement attempt). */
  placement?: PlacementExplanation | undefined;
}

export interface ResolvedRunOptions extends Required<Omit<RunOptions, "timeoutMs" | "maxConcurrency">> {
  readonly maxConcurrency: number;
  readonly timeoutMs: number | undefined;
}

export interface RunState {
  readonly runId: RunId;
  readonly compiled: CompiledDag;
  readonly options: ResolvedRunOptions;
  readonly tasks: TaskRuntime[];
  /** Ready tasks waiting for placement, FIFO from `head`. */
  queue: number[];
  head: number;
  running: number;
  /** Regular tasks not yet in a terminal state. */
  unfinished: number;
  readonly groupMachine: Map<number, MachineName>;
  readonly groupLeft: Map<number, number>;
  readonly failures: TaskFailure[];
  cancelReason: string | null;
  /** The scheduler's `isWatched`: false, its tasks' changes are not emitted. */
  readonly isWatched: boolean;
  /** Submitted with a `resume`: only then can a task hold a result it took over without an attempt (`reusedInputHolder`). */
  readonly isResumed: boolean;
}

export type TimerItem =
  | { readonly kind: "attempt_timeout"; readonly attemptId: AttemptId }
  | { readonly kind: "retry_backoff"; readonly runId: RunId; readonly task: number; readonly attempts: number }
  | { readonly kind: "no_machine_grace"; readonly runId: RunId; readonly task: number }
  | { readonly kind: "run_timeout"; readonly runId: RunId };

export interface AttemptRecord {
  readonly runId: RunId;
  readonly task: number;
  readonly attemptId: AttemptId;
  readonly machine: MachineName;
  readonly startedAt: number;
  /** The executor slots it takes (its cost's `slots`). */
  readonly slots: number;
  /** Assigned ahead and not yet holding its slots: it waits in its machine's `ahead` queue. */
  isQueued: boolean;
  /** Pre-assigned: the attempts on its machine whose values it still waits for (see `pre-assign.ts`); absent once none. */
  waitsFor?: AttemptId[] | undefined;
  /** Attempts pre-assigned to wait for this one's value on its machine. */
  preAssigned?: AttemptId[] | undefined;
}

export interface SchedulerConfig {
  /** The machine whose agent runs beside the server; placement tries it first. */
  readonly localMachine?: MachineName;
  /** How long a task may wait with no eligible machine online before it fails. */
  readonly noMachineGraceMs?: number;
  /** Attempts lost with their machine that do not count against `maxRetries`, per task. */
  readonly maxMachineLosses?: number;
  /** The size in bytes of a task's result, when the shell knows it: placement explanations count input bytes. */
  readonly resultBytes?: (result: unknown) => number | undefined;
  /**
   * Whether anyone reads task changes and placement explanations (default true). `executeLocal` without an
   * `onTaskChange` says false: `decide` then builds no `task_changed` command and no explanation (nobody would see
   * them; ~3 changes and an explanation per task; `explainTask` then has no `placement`), and every other command is the same.
   */
  readonly isWatched?: boolean;
}

export interface SchedulerState {
  readonly config: Required<Omit<SchedulerConfig, "localMachine" | "resultBytes">> & Pick<SchedulerConfig, "resultBytes"> & { readonly localMachine: MachineName | undefined };
  readonly machines: Map<MachineName, MachineEntry>;
  /** Counts machines joining and changing status: views derived from `machines` are kept while it stays the same. */
  machineChanges: number;
  readonly ledger: ResourceLedger;
  readonly runs: Map<RunId, RunState>;
  /** Runs with work left, in submission order (dispatch order). */
  activeRuns: RunId[];
  readonly attempts: Map<AttemptId, AttemptRecord>;
  /** Per machine, its attempts assigned ahead, in assignment order (each also in `attempts`, `isQueued`). */
  readonly ahead: Map<MachineName, AttemptId[]>;
  readonly timers: TimerHeap<TimerItem>;
  announcedTimerAt: number | null;
  /** A machine that takes pre-assigned attempts has joined (reports then look for dependents to pre-assign). */
  preAssigning: boolean;
}

export function createSchedulerState(config: SchedulerConfig = {}): SchedulerState {
  return {
    config: {
      localMachine: config.localMachine,
      noMachineGraceMs: config.noMachineGraceMs ?? 30_000,
      maxMachineLosses: config.maxMachineLosses ?? 3,
      isWatched: config.isWatched ?? true,
      ...(config.resultBytes === undefined ? {} : { resultBytes: config.resultBytes }),
    },
    machines: new Map(),
    machineChanges: 0,
    ledger: new ResourceLedger(),
    runs: new Map(),
    activeRuns: [],
    attempts: new Map(),
    ahead: new Map(),
    timers: new TimerHeap(),
    announcedTimerAt: null,
    preAssigning: false,
  };
}

/** What `reportedResult` answers when there is no value: the task has not succeeded, or its run or it is unknown. */
export const NO_RESULT: unique symbol = Symbol("no result");

/**
 * The value task `taskId` of active run `runId` reported with its success (`attempt_succeeded`'s `result`), or
 * `NO_RESULT`. The scheduler keeps each value for the run's outcome: `executeLocal` reads its inputs here rather than
 * keeping a second map of the values by task id (a map entry per task was ~5% of its CPU, profile 2026-12-02).
 * @example reportedResult(state, "run-1", "load") // 42, or NO_RESULT before "load" succeeded
 */
export function reportedResult(state: SchedulerState, runId: RunId, taskId: TaskId): unknown {
  const run = state.runs.get(runId);
  const index = run?.compiled.byId.get(taskId);
  if (index === undefined) return NO_RESULT;
  const task = run!.tasks[index]!;
  return task.resultMachine === null ? NO_RESULT : task.result;
}
