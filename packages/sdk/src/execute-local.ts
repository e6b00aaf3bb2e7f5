import { availableParallelism } from "node:os";
import {
  createSchedulerState,
  decide,
  machineSlots,
  NO_RESULT,
  reportedResult,
  type DagProblem,
  type DagSpec,
  type InputRef,
  type OnFailure,
  type Resources,
  type RunOutcome,
  type SchedulerCommand,
  type SchedulerEvent,
  type SchedulerState,
  type Strategy,
  type TaskSpec,
} from "@handoff/core";
import { bindParams, clearLongTimeout, setLongTimeout, toDagSpec, type LongTimeout } from "@handoff/protocol";
import { Dag } from "./dag-builder.ts";
import { defineFunctions, type FunctionRegistry, type HandoffFunction } from "./define-function.ts";
import { runWithTaskContext, type TaskLog } from "./current-task.ts";
import { stdFunctions } from "./std/index.ts";
import { isNonRetryable } from "./non-retryable-error.ts";
import { evaluateCall, isPromiseLike, type InputEvaluation } from "./evaluate-inputs.ts";
import { collectByteStream, createLocalDelivery, isByteStream } from "./local-delivery.ts";
import { LOCAL_MACHINE, LiveAttempts, LocalAttempt } from "./local-attempt.ts";

export { LOCAL_MACHINE } from "./local-attempt.ts";

export interface LogEntry {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly level: "info" | "warn" | "error";
  readonly message: string;
  readonly at: number;
}

export interface ExecuteLocalOptions {
  /** Functions the DAG may call, besides the standard library. */
  readonly functions?: FunctionRegistry | readonly HandoffFunction[];
  /** At most this many tasks in flight (default: the number of CPUs, like Handoff). */
  readonly maxConcurrency?: number;
  readonly maxRetries?: number;
  readonly onFailure?: OnFailure;
  readonly strategy?: Strategy;
  /** Cancels the run: running functions see their signal abort, the outcome is `cancelled`. */
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Enforce task costs against this capacity; without it costs are ignored, as in Handoff's `execute_local`. */
  readonly capacity?: Resources;
  readonly runId?: string;
  /** Receives every state change as it happens (a success's change carries its value as `result`). */
  readonly onTaskChange?: (command: Extract<SchedulerCommand, { type: "task_changed" }>["change"]) => void;
  readonly onLog?: (entry: LogEntry) => void;
  /** Values of the DAG's run parameters (see `DagOptions.params`), checked and bound as the server does. */
  readonly params?: Readonly<Record<string, unknown>>;
}

let runCounter = 0;

/** The DAG to run with its parameters bound (protocol's `bindParams`, as the server does); a refusal names each one. */
function bindLocalParams(dag: Dag | DagSpec, given: Readonly<Record<string, unknown>> | undefined): { ok: true; spec: DagSpec } | { ok: false; problems: DagProblem[] } {
  if (!(dag instanceof Dag)) {
    const names = Object.keys(given ?? {});
    if (names.length === 0) return { ok: true, spec: dag };
    return { ok: false, problems: names.map((name) => ({ kind: "invalid_task", taskId: null, field: `params.${name}`, message: `param "${name}": not declared (a DagSpec declares no parameters)` })) };
  }
  const bound = bindParams(dag.toJSON(), given ?? {});
  if (!bound.ok) return { ok: false, problems: bound.issues.map((issue) => ({ kind: "invalid_task", taskId: null, field: issue.path, message: issue.message })) };
  return { ok: true, spec: toDagSpec(bound.bound.file) };
}

type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * Runs a DAG in this process with the core scheduler and real async functions. Every placement
 * directive resolves to this process; results are the values themselves.
 *
 * @example
 * const outcome = await executeLocal(dag, { functions: [resize] });
 * if (outcome.status === "succeeded") console.log(outcome.results.thumbnail);
 */
export async function executeLocal(dag: Dag | DagSpec, options: ExecuteLocalOptions = {}): Promise<RunOutcome> {
  const runId = options.runId ?? `local-${Date.now().toString(36)}-${(runCounter++).toString(36)}`;
  const bound = bindLocalParams(dag, options.params);
  if (!bound.ok) return { status: "rejected", runId, results: {}, failures: [], problems: bound.problems, allocations: {} };
  const spec = bound.spec;
  const registry = toRegistry(options.functions);
  const slots = options.maxConcurrency ?? machineSlots({ cpu: availableParallelism(), ...options.capacity });
  const tasks = options.capacity ? spec.tasks : spec.tasks.map(localOnly);

  // Without a listener nobody sees task changes or placement explanations here: the scheduler builds none.
  const state = createSchedulerState({ localMachine: LOCAL_MACHINE, isWatched: options.onTaskChange !== undefined });
  const delivery = createLocalDelivery();
  const evaluation = localEvaluation(registry, state, runId, delivery.deliver);
  const attempts = new LiveAttempts();
  let timer: LongTimeout | undefined;
  let settle: (outcome: RunOutcome) => void = () => undefined;
  const finished = new Promise<RunOutcome>((resolve) => (settle = resolve));
  let outcome: RunOutcome | undefined;

  const send = (event: SchedulerEvent): void => {
    if (outcome) return;
    execute(decide(state, event).commands);
  };

  // Results of synchronous functions are reported from one microtask per batch, not one per task:
  // the report must come after the current commands are executed, and batching measured ~3 µs/task.
  // The outcome waits on the attempt itself (no object per report).
  const syncReports: LocalAttempt[] = [];
  const drainSyncReports = (): void => {
    for (let i = 0; i < syncReports.length; i++) {
      const attempt = syncReports[i]!;
      const outcome = attempt.syncOutcome;
      attempt.syncOutcome = undefined;
      report(attempt, attempt.isSyncOk, outcome);
    }
    syncReports.length = 0;
  };
  const reportSoon = (attempt: LocalAttempt, isOk: boolean, outcome: unknown): void => {
    attempt.isSyncOk = isOk;
    attempt.syncOutcome = outcome;
    if (syncReports.push(attempt) === 1) queueMicrotask(drainSyncReports);
  };
  const onTaskChange = options.onTaskChange;
  const onLog = options.onLog;

  const execute = (commands: readonly SchedulerCommand[]): void => {
    for (const command of commands) {
      switch (command.type) {
        case "assign_task":
          startAttempt(command);
          break;
        case "abort_attempt": {
          const attempt = attempts.find(command.attemptId);
          if (attempt === undefined) break;
          attempts.remove(attempt);
          attempt.abort(new Error(command.reason === "timeout" ? "timed out" : "cancelled"));
          break;
        }
        case "task_changed":
          onTaskChange?.(command.change);
          break;
        case "run_finished":
          outcome = command.outcome; // its results are the values: each success reported its value to the scheduler
          break;
        case "set_timer":
          clearLongTimeout(timer);
          timer = setLongTimeout(() => send({ type: "tick", now: Date.now() }), command.at - Date.now());
          break;
        case "report_ignored":
          break;
      }
    }
    if (outcome) {
      clearLongTimeout(timer);
      for (const attempt of attempts.takeAll()) attempt.abort(new Error("run finished"));
      delivery.cleanUp();
      settle(outcome);
    }
  };

  const startAttempt = (command: Extract<SchedulerCommand, { type: "assign_task" }>): void => {
    const log = onLog === undefined ? SILENT_LOG : taskLog(onLog, runId, command.taskId, command.attempt);
    const attempt = new LocalAttempt(command.attemptId, runId, command.taskId, command.attempt, log);
    attempts.add(attempt);
    let result: unknown;
    try {
      result = runWithTaskContext(attempt.context, evaluateCall, evaluation, command);
    } catch (error) {
      reportSoon(attempt, false, error);
      return;
    }
    if (!isPromiseLike(result) && !isByteStream(result)) {
      reportSoon(attempt, true, result);
      return;
    }
    const done = (settled: Settled): void => (settled.ok ? report(attempt, true, settled.value) : report(attempt, false, settled.error));
    // A result returned as a stream of bytes is gathered into one Uint8Array (in-process, values live in memory).
    const value = Promise.resolve(result).then((returned) => (isByteStream(returned) ? collectByteStream(returned) : returned));
    // Settle on abort without waiting for the function's promise; its late result is dropped.
    Promise.race([value, attempt.whenAborted()]).then(
      (value) => done({ ok: true, value }),
      (error: unknown) => done({ ok: false, error }),
    );
  };

  /** `outcome` is the value when `isOk`, else the error. */
  const report = (attempt: LocalAttempt, isOk: boolean, outcome: unknown): void => {
    const { attemptId } = attempt;
    if (!attempts.remove(attempt)) return; // aborted or finished: its late result is dropped
    if (isOk) {
      send({ type: "attempt_succeeded", now: Date.now(), attemptId, machine: LOCAL_MACHINE, result: outcome });
    } else {
      send({
        type: "attempt_failed",
        now: Date.now(),
        attemptId,
        machine: LOCAL_MACHINE,
        error: { kind: isNonRetryable(outcome) ? "non_retryable" : "function_failed", message: errorMessage(outcome) },
      });
    }
  };

  const onAbort = (): void => send({ type: "run_cancel_requested", now: Date.now(), runId, reason: "cancelled by the caller's signal" });
  options.signal?.addEventListener("abort", onAbort, { once: true });

  send({
    type: "machine_joined",
    now: Date.now(),
    machine: { name: LOCAL_MACHINE, capacity: { ...options.capacity, slots: slots }, functions: registry.names() },
  });
  send({
    type: "run_submitted",
    now: Date.now(),
    runId,
    dag: { tasks },
    options: {
      maxConcurrency: slots,
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
      ...(options.onFailure === undefined ? {} : { onFailure: options.onFailure }),
      ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    },
  });
  if (options.signal?.aborted) onAbort();
  try {
    return await finished;
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
}

const SILENT_LOG: TaskLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

function taskLog(onLog: (entry: LogEntry) => void, runId: string, taskId: string, attempt: number): TaskLog {
  const log = (level: LogEntry["level"]) => (...parts: unknown[]) =>
    onLog({
      runId,
      taskId,
      attempt,
      level,
      message: parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" "),
      at: Date.now(),
    });
  return { info: log("info"), warn: log("warn"), error: log("error") };
}

function localOnly(task: TaskSpec): TaskSpec {
  // A task without a cost or a placement is taken as it is (no copy per task).
  if (task.type === "inline" || (task.cost === undefined && task.placement === undefined)) return task;
  const { cost: _cost, placement: _placement, ...rest } = task;
  return rest;
}

function toRegistry(functions: ExecuteLocalOptions["functions"]): FunctionRegistry {
  const std = stdFunctions;
  if (!functions) return std;
  const own = Array.isArray(functions) ? defineFunctions(...(functions as readonly HandoffFunction[])) : (functions as FunctionRegistry);
  return std.merge(own);
}

/** In-process every value is the one its success reported, which the scheduler keeps, and every machine is this one. */
function localEvaluation(
  registry: FunctionRegistry,
  state: SchedulerState,
  runId: string,
  deliver: InputEvaluation<Extract<InputRef, { kind: "result" }>>["deliver"],
): InputEvaluation<Extract<InputRef, { kind: "result" }>> {
  return {
    registry,
    ...(deliver === undefined ? {} : { deliver }),
    machine: LOCAL_MACHINE,
    leaf: (input) => {
      const value = reportedResult(state, runId, input.taskId);
      if (value === NO_RESULT) throw new Error(`input "${input.taskId}" has no stored value`);
      return { value, source: LOCAL_MACHINE };
    },
  };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : JSON.stringify(error);
}
