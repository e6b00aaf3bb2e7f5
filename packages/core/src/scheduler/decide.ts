import { DEFAULT_MAX_RETRIES, TERMINAL_TASK_STATES, TaskState, type DagSpec, type MachineName, type TaskSpec } from "../dag/model.ts";
import type { TaskError } from "../errors.ts";
import { checkDag } from "../dag/check-dag.ts";
import { validateRunOptions } from "../dag/validate-run-options.ts";
import { neededFunctions } from "../placement/check-feasibility.ts";
import { withMachineSlots } from "../placement/machine-slots.ts";
import { compileDag, type CompiledTask } from "./compile-dag.ts";
import { RunStatus, type RunOutcomeStatus } from "../run/run-status.ts";
import type {
  RunResume,
  AttemptId,
  InputRef,
  MachineAnnouncement,
  RunId,
  RunOptions,
  RunOutcome,
  SchedulerCommand,
  SchedulerEvent,
} from "./messages.ts";
import type { AttemptRecord, ResolvedRunOptions, RunState, SchedulerState, TaskRuntime } from "./scheduler-state.ts";
import { dispatch } from "./dispatch.ts";
import { emitChange, groupClaimant, maxAttempts } from "./run-helpers.ts";
import { retryDelayMs } from "./retry-delay.ts";

export interface Decision {
  readonly state: SchedulerState;
  readonly commands: SchedulerCommand[];
}

/**
 * The scheduler: one event in, the commands that follow out. Pure apart from updating `state` in
 * place; replaying the same events from the same initial state gives the same commands.
 *
 * @example
 * const { commands } = decide(state, { type: "run_submitted", now: 0, runId: "r1", dag });
 */
export function decide(state: SchedulerState, event: SchedulerEvent): Decision {
  const out: SchedulerCommand[] = [];
  const now = event.now;
  switch (event.type) {
    case "machine_joined":
      joinMachine(state, event.machine);
      break;
    case "machine_status_changed":
      changeMachineStatus(state, event.name, event.status, now, out);
      break;
    case "run_submitted":
      submitRun(state, event.runId, event.dag, event.options ?? {}, now, out, event.resume);
      break;
    case "attempt_succeeded": {
      const record = takeAttempt(state, event.attemptId, event.machine, out);
      if (record) succeedAttempt(state, record, event.result, now, out);
      break;
    }
    case "attempt_failed": {
      const record = takeAttempt(state, event.attemptId, event.machine, out);
      if (record) failAttempt(state, record, event.error, now, out);
      break;
    }
    case "run_cancel_requested": {
      const run = state.runs.get(event.runId);
      if (run) endRunEarly(state, run, { kind: "cancelled", message: event.reason ?? "cancelled by request" }, now, out);
      break;
    }
    case "tick":
      fireTimers(state, now, out);
      break;
  }
  dispatch(state, now, out, startAttempt);
  announceTimer(state, out);
  return { state, commands: out };
}

function joinMachine(state: SchedulerState, machine: MachineAnnouncement): void {
  const capacity = withMachineSlots(machine.capacity);
  state.machines.set(machine.name, {
    name: machine.name,
    capacity,
    functions: new Set(machine.functions),
    status: machine.status ?? "online",
  });
  state.ledger.register(machine.name, capacity);
}

function changeMachineStatus(
  state: SchedulerState,
  name: MachineName,
  status: "online" | "offline" | "draining",
  now: number,
  out: SchedulerCommand[],
): void {
  const machine = state.machines.get(name);
  if (!machine) return;
  machine.status = status;
  if (status !== "offline") return;
  const lost = [...state.attempts.values()].filter((record) => record.machine === name);
  for (const record of lost) {
    // Failing one attempt can end its run (fail_fast), which cancels the run's other attempts here too.
    if (!state.attempts.has(record.attemptId)) continue;
    state.attempts.delete(record.attemptId);
    state.ledger.release(record.attemptId);
    failAttempt(state, record, { kind: "machine_lost", message: `machine "${name}" went offline during the attempt` }, now, out);
  }
  for (const runId of state.activeRuns) {
    const run = state.runs.get(runId)!;
    for (const [root, machineName] of run.groupMachine) {
      if (machineName !== name) continue;
      run.groupMachine.delete(root);
      state.ledger.release(groupClaimant(run.runId, run.compiled.tasks[root]!.id));
    }
  }
  for (const runId of [...state.activeRuns]) loseResults(state, state.runs.get(runId)!, name, now, out);
}

/**
 * The results that lived only on `machine` are gone. Every succeeded task whose value a not-yet-finished
 * task still needs, and every lost sink (the run's output, needed by its caller), runs again from lineage — and, recursively, the producers of its own inputs when
 * those were on the same machine. A producer that cannot run again (a member of a collocation group)
 * fails the run with `result_lost`, naming it. Never a hang: a rerun that finds no machine fails after
 * the no-machine grace period like any waiting task.
 */
function loseResults(state: SchedulerState, run: RunState, machine: MachineName, now: number, out: SchedulerCommand[]): void {
  if (run.cancelReason !== null) return;
  const lost = new Set<number>();
  const stack: number[] = [];
  const needs = (consumer: number): void => {
    for (const dep of run.compiled.tasks[consumer]!.deps) {
      const producer = run.tasks[dep]!;
      if (producer.state === TaskState.Succeeded && producer.resultMachine === machine && !lost.has(dep)) {
        lost.add(dep);
        stack.push(dep);
      }
    }
  };
  run.tasks.forEach((task, index) => {
    const compiled = run.compiled.tasks[index]!;
    if (compiled.isInline) return;
    if (!TERMINAL_TASK_STATES.has(task.state)) needs(index);
    // A sink's value is the run's output: its caller still needs it, so it is recomputed like a consumed one.
    else if (compiled.dependents.length === 0 && task.state === TaskState.Succeeded && task.resultMachine === machine && !lost.has(index)) {
      lost.add(index);
      stack.push(index);
    }
  });
  while (stack.length > 0) needs(stack.pop()!);
  if (lost.size === 0) return;

  const unrecoverable = [...lost].filter((index) => run.compiled.groups.has(run.compiled.tasks[index]!.group));
  if (unrecoverable.length > 0) {
    const names = unrecoverable.map((index) => `"${run.compiled.tasks[index]!.id}"`).join(", ");
    endRunEarly(state, run, { kind: "result_lost", message: `results of ${names} were only on "${machine}", which went offline, and collocated tasks cannot be recomputed alone` }, now, out);
    return;
  }
  // Reset the lost producers first, then count, for every task that waits on them, what it waits for again.
  for (const index of lost) {
    const task = run.tasks[index]!;
    task.state = TaskState.WaitingForDependencies;
    task.resultMachine = null;
    task.result = undefined;
    task.reason = `recomputing: its result was only on "${machine}", which went offline`;
    run.unfinished += 1;
  }
  for (const index of lost) {
    const task = run.tasks[index]!;
    task.remaining = run.compiled.tasks[index]!.deps.filter((dep) => run.tasks[dep]!.state !== TaskState.Succeeded).length;
    for (const dependent of run.compiled.tasks[index]!.dependents) {
      const next = run.tasks[dependent]!;
      if (lost.has(dependent) || TERMINAL_TASK_STATES.has(next.state)) continue;
      next.remaining += 1;
      if (next.state === TaskState.WaitingForResources || next.state === TaskState.Retrying) {
        // Still queued: dispatch skips it until its inputs exist again.
        next.state = TaskState.WaitingForDependencies;
        next.reason = `waiting for "${run.compiled.tasks[index]!.id}" to be recomputed`;
        emitChange(run, dependent, now, out);
      }
    }
  }
  for (const index of lost) {
    if (run.tasks[index]!.remaining === 0) enqueue(run, index, now, out, run.tasks[index]!.reason);
    else emitChange(run, index, now, out);
  }
}

function resolveOptions(options: RunOptions): ResolvedRunOptions {
  return {
    strategy: options.strategy ?? "first_available",
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    maxConcurrency: options.maxConcurrency ?? Number.POSITIVE_INFINITY,
    onFailure: options.onFailure ?? "fail_fast",
    timeoutMs: options.timeoutMs,
  };
}

function submitRun(
  state: SchedulerState,
  runId: RunId,
  dag: DagSpec,
  options: RunOptions,
  now: number,
  out: SchedulerCommand[],
  resume?: RunResume,
): void {
  if (state.runs.has(runId)) throw new Error(`run "${runId}" was already submitted`);
  const needs = neededFunctions(dag);
  // A resumed run was accepted before; its machines may simply not have reconnected yet.
  const machines = resume
    ? null
    : [...state.machines.values()].map((machine) => ({ name: machine.name, capacity: machine.capacity, functions: machine.functions, status: machine.status }));
  const problems = checkDag(dag, { machines, needs, also: validateRunOptions(options) });
  if (problems.length > 0) {
    out.push({
      type: "run_finished",
      outcome: { status: RunStatus.Rejected, runId, results: {}, failures: [], problems, allocations: {} },
    });
    return;
  }

  const compiled = compileDag(dag, needs);
  const run: RunState = {
    runId,
    compiled,
    options: resolveOptions(options),
    tasks: compiled.tasks.map(
      (task): TaskRuntime => ({
        state: TaskState.WaitingForDependencies,
        remaining: task.deps.length,
        attempts: 0,
        countedFailures: 0,
        machineLosses: 0,
        currentAttempt: null,
        machine: null,
        resultMachine: null,
        result: undefined,
        reason: undefined,
        isQueued: false,
        noMachineSince: null,
        lastError: null,
      }),
    ),
    queue: [],
    head: 0,
    running: 0,
    unfinished: compiled.regularCount,
    groupMachine: new Map(),
    groupLeft: new Map([...compiled.groups.values()].map((group) => [group.root, group.members.length])),
    failures: [],
    cancelReason: null,
  };
  state.runs.set(runId, run);
  state.activeRuns.push(runId);
  if (run.options.timeoutMs !== undefined) state.timers.push(now + run.options.timeoutMs, { kind: "run_timeout", runId });
  if (resume) resumeTasks(state, run, resume, now, out);
  for (const task of compiled.tasks) {
    const runtime = run.tasks[task.index]!;
    if (!task.isInline && runtime.remaining === 0 && runtime.state === TaskState.WaitingForDependencies) enqueue(run, task.index, now, out);
  }
  if (run.unfinished === 0) finishRun(state, run, out);
}

/** Marks what had already succeeded before a restart, adopts attempts still running, and continues attempt numbering. */
function resumeTasks(state: SchedulerState, run: RunState, resume: RunResume, now: number, out: SchedulerCommand[]): void {
  const running: { task: CompiledTask; attemptId: AttemptId; machine: MachineName }[] = [];
  for (const task of run.compiled.tasks) {
    const known = resume.tasks[task.id];
    if (!known || task.isInline) continue;
    const runtime = run.tasks[task.index]!;
    runtime.attempts = known.attempts;
    if (known.running && !known.succeeded) running.push({ task, ...known.running });
    if (!known.succeeded) continue;
    runtime.state = TaskState.Succeeded;
    runtime.machine = known.succeeded.machine;
    runtime.resultMachine = known.succeeded.machine;
    runtime.result = known.succeeded.result;
    run.unfinished -= 1;
    const group = run.compiled.groups.get(task.group);
    if (group) {
      run.groupLeft.set(group.root, (run.groupLeft.get(group.root) ?? 1) - 1);
      run.groupMachine.set(group.root, known.succeeded.machine);
    }
    for (const dependent of task.dependents) run.tasks[dependent]!.remaining -= 1;
  }
  for (const { task, attemptId, machine } of running) adoptAttempt(state, run, task, attemptId, machine, now, out);
}

/** An attempt that was running before the restart and still is: it keeps running, with its claim back in the ledger. */
function adoptAttempt(state: SchedulerState, run: RunState, task: CompiledTask, attemptId: AttemptId, machine: MachineName, now: number, out: SchedulerCommand[]): void {
  const runtime = run.tasks[task.index]!;
  const ready = runtime.remaining === 0 && runtime.state === TaskState.WaitingForDependencies;
  const online = state.machines.get(machine)?.status === "online";
  const claimed = ready && online && !run.compiled.groups.has(task.group) && state.ledger.claimMany([{ claimant: attemptId, machine, cost: task.attemptCost }]).ok;
  if (!claimed) {
    out.push({ type: "abort_attempt", runId: run.runId, taskId: task.id, attemptId, machine, reason: "cancelled" });
    return;
  }
  runtime.state = TaskState.Running;
  runtime.machine = machine;
  runtime.currentAttempt = attemptId;
  runtime.reason = undefined;
  run.running += 1;
  state.attempts.set(attemptId, { runId: run.runId, task: task.index, attemptId, machine, startedAt: now });
  emitChange(run, task.index, now, out);
  if (task.spec.timeoutMs !== undefined) state.timers.push(now + task.spec.timeoutMs, { kind: "attempt_timeout", attemptId });
}

function enqueue(run: RunState, index: number, now: number, out: SchedulerCommand[], reason = "ready; waiting for a free slot"): void {
  const task = run.tasks[index]!;
  if (task.state !== TaskState.Retrying) task.state = TaskState.WaitingForResources;
  task.reason = reason;
  if (!task.isQueued) {
    task.isQueued = true;
    run.queue.push(index);
  }
  emitChange(run, index, now, out);
}

/** Called by dispatch once the ledger holds the attempt's claim on `machine`. */
function startAttempt(state: SchedulerState, run: RunState, index: number, machine: MachineName, attemptId: AttemptId, now: number, out: SchedulerCommand[]): void {
  const task = run.tasks[index]!;
  const compiled = run.compiled.tasks[index]!;
  task.attempts += 1;
  task.state = TaskState.Running;
  task.machine = machine;
  task.currentAttempt = attemptId;
  task.reason = undefined;
  task.noMachineSince = null;
  run.running += 1;
  state.attempts.set(attemptId, { runId: run.runId, task: index, attemptId, machine, startedAt: now });
  emitChange(run, index, now, out);
  const spec = compiled.spec;
  out.push({
    type: "assign_task",
    runId: run.runId,
    taskId: compiled.id,
    attemptId,
    attempt: task.attempts,
    machine,
    fn: spec.fn,
    inputs: buildInputs(run, compiled),
    extraArgs: spec.extraArgs ?? [],
    argumentInclusion: spec.argumentInclusion ?? "variadic",
    ...(spec.timeoutMs === undefined ? {} : { timeoutMs: spec.timeoutMs }),
  });
  if (spec.timeoutMs !== undefined) state.timers.push(now + spec.timeoutMs, { kind: "attempt_timeout", attemptId });
}

function buildInputs(run: RunState, task: CompiledTask): InputRef[] {
  return task.inputs.map((input): InputRef => {
    const source = run.compiled.tasks[input.source]!;
    const edge = {
      ...(input.encode === undefined ? {} : { encode: input.encode }),
      ...(input.decode === undefined ? {} : { decode: input.decode }),
    };
    if (source.isInline) {
      return {
        kind: "inline",
        taskId: source.id,
        fn: source.spec.fn,
        inputs: buildInputs(run, source),
        extraArgs: source.spec.extraArgs ?? [],
        argumentInclusion: source.spec.argumentInclusion ?? "variadic",
        ...edge,
      };
    }
    const machine = run.tasks[input.source]!.resultMachine;
    if (machine === null) throw new Error(`scheduler bug: "${task.id}" assigned before "${source.id}" succeeded`);
    return { kind: "result", taskId: source.id, machine, ...edge };
  });
}

function takeAttempt(
  state: SchedulerState,
  attemptId: AttemptId,
  reporter: MachineName | undefined,
  out: SchedulerCommand[],
): AttemptRecord | undefined {
  const record = state.attempts.get(attemptId);
  if (!record) {
    out.push({ type: "report_ignored", attemptId, reason: "no such attempt in flight (finished, fenced or unknown)" });
    return undefined;
  }
  if (reporter !== undefined && reporter !== record.machine) {
    out.push({
      type: "report_ignored",
      attemptId,
      reason: `reported by "${reporter}" but assigned to "${record.machine}"`,
    });
    return undefined;
  }
  state.attempts.delete(attemptId);
  state.ledger.release(attemptId);
  return record;
}

function succeedAttempt(state: SchedulerState, record: AttemptRecord, result: unknown, now: number, out: SchedulerCommand[]): void {
  const run = state.runs.get(record.runId)!;
  const task = run.tasks[record.task]!;
  run.running -= 1;
  task.currentAttempt = null;
  task.state = TaskState.Succeeded;
  task.resultMachine = record.machine;
  task.result = result;
  task.reason = undefined;
  run.unfinished -= 1;
  emitChange(run, record.task, now, out, { result });
  memberDone(state, run, record.task);
  for (const dependent of run.compiled.tasks[record.task]!.dependents) {
    const next = run.tasks[dependent]!;
    next.remaining -= 1;
    if (next.remaining === 0 && next.state === TaskState.WaitingForDependencies) enqueue(run, dependent, now, out);
  }
  if (run.unfinished === 0) finishRun(state, run, out);
}

function failAttempt(state: SchedulerState, record: AttemptRecord, error: TaskError, now: number, out: SchedulerCommand[]): void {
  const run = state.runs.get(record.runId)!;
  const task = run.tasks[record.task]!;
  const compiled = run.compiled.tasks[record.task]!;
  run.running -= 1;
  task.currentAttempt = null;
  task.lastError = error;
  // Losing a machine or an input to one is not the task's fault (bounded, so a task that kills machines still ends).
  if ((error.kind === "machine_lost" || error.kind === "result_lost") && task.machineLosses < state.config.maxMachineLosses) {
    task.machineLosses += 1;
  } else {
    task.countedFailures += 1;
  }
  const budget = maxAttempts(run, compiled) - 1;
  if (task.countedFailures <= budget && worthRetrying(error.kind, compiled.spec.retryOn)) {
    task.state = TaskState.Retrying;
    const retryLabel = `retry after ${error.kind}: ${error.message}`;
    const delay = error.kind === "machine_lost" || error.kind === "result_lost" ? 0 : retryDelayMs(compiled.spec.retryBackoff, task.countedFailures, record.attemptId);
    if (task.remaining > 0) {
      // An input is being recomputed (its machine went away): retry once it exists again.
      task.state = TaskState.WaitingForDependencies;
      task.reason = retryLabel;
      emitChange(run, record.task, now, out, { error });
    } else if (delay > 0) {
      task.reason = `${retryLabel} (in ${delay} ms)`;
      state.timers.push(now + delay, { kind: "retry_backoff", runId: run.runId, task: record.task, attempts: task.attempts });
      emitChange(run, record.task, now, out, { error, retryAt: now + delay });
    } else {
      task.reason = retryLabel;
      enqueue(run, record.task, now, out, retryLabel);
    }
    return;
  }
  failTask(state, run, record.task, error, now, out);
}

/**
 * Whether a retry may fix this failure: never for `non_retryable`; for a task with `retryOn`, only the kinds
 * it lists. Machine and result losses are not the task's fault and always retry (on their own budget).
 */
function worthRetrying(kind: TaskError["kind"], retryOn: TaskSpec["retryOn"]): boolean {
  if (kind === "machine_lost" || kind === "result_lost") return true;
  if (kind === "non_retryable") return false;
  return retryOn === undefined || (retryOn as readonly string[]).includes(kind);
}

function failureMessage(run: RunState, index: number, error: TaskError): string {
  const task = run.tasks[index]!;
  const compiled = run.compiled.tasks[index]!;
  const attempts = task.attempts === 1 ? "1 attempt" : `${task.attempts} attempts`;
  return `task "${compiled.id}" (${compiled.spec.fn}) failed after ${attempts}: ${error.message}`;
}

/** A task ends without a value; what follows depends on the run's failure mode. */
function failTask(state: SchedulerState, run: RunState, index: number, error: TaskError, now: number, out: SchedulerCommand[]): void {
  const task = run.tasks[index]!;
  task.state = TaskState.Failed;
  task.reason = undefined;
  run.unfinished -= 1;
  const kind = error.kind === "cancelled" || error.kind === "upstream_failed" ? "function_failed" : error.kind;
  const message = failureMessage(run, index, error);
  run.failures.push({ taskId: run.compiled.tasks[index]!.id, kind, message, attempts: task.attempts });
  emitChange(run, index, now, out, { error: { kind, message } });
  memberDone(state, run, index);

  if (run.options.onFailure === "fail_fast") {
    // The kind says "cancelled" already (shown as `kind: message`): the message says why.
    cancelRemaining(state, run, { kind: "cancelled", message: `stopped because ${message} (fail_fast)` }, now, out);
    finishRun(state, run, out);
    return;
  }
  const stack = [...run.compiled.tasks[index]!.dependents];
  while (stack.length > 0) {
    const dependent = stack.pop()!;
    const next = run.tasks[dependent]!;
    if (next.state !== TaskState.WaitingForDependencies) continue;
    next.state = TaskState.UpstreamFailed;
    next.reason = `depends on failed task "${run.compiled.tasks[index]!.id}"`;
    run.unfinished -= 1;
    run.failures.push({
      taskId: run.compiled.tasks[dependent]!.id,
      kind: "upstream_failed",
      message: `not run: ${next.reason}`,
      attempts: 0,
    });
    emitChange(run, dependent, now, out);
    memberDone(state, run, dependent);
    stack.push(...run.compiled.tasks[dependent]!.dependents);
  }
  if (run.unfinished === 0) finishRun(state, run, out);
}

/** Aborts running attempts and cancels every task that has not ended. */
function cancelRemaining(state: SchedulerState, run: RunState, error: TaskError, now: number, out: SchedulerCommand[]): void {
  run.tasks.forEach((task, index) => {
    const compiled = run.compiled.tasks[index]!;
    if (compiled.isInline) return;
    if (task.state === TaskState.Succeeded || task.state === TaskState.Failed) return;
    if (task.state === TaskState.Cancelled || task.state === TaskState.UpstreamFailed) return;
    const wasRunning = task.currentAttempt !== null;
    if (task.currentAttempt !== null) {
      const attemptId = task.currentAttempt;
      state.attempts.delete(attemptId);
      state.ledger.release(attemptId);
      out.push({
        type: "abort_attempt",
        runId: run.runId,
        taskId: compiled.id,
        attemptId,
        machine: task.machine!,
        reason: error.kind === "timeout" ? "timeout" : "cancelled",
      });
      task.currentAttempt = null;
      run.running -= 1;
    }
    task.state = TaskState.Cancelled;
    task.reason = error.message;
    run.unfinished -= 1;
    const kind = wasRunning && error.kind === "timeout" ? "timeout" : "cancelled";
    run.failures.push({ taskId: compiled.id, kind, message: error.message, attempts: task.attempts });
    emitChange(run, index, now, out, { error: { kind, message: error.message } });
  });
}

function endRunEarly(state: SchedulerState, run: RunState, error: TaskError, now: number, out: SchedulerCommand[]): void {
  run.cancelReason = error.message;
  cancelRemaining(state, run, error, now, out);
  finishRun(state, run, out, error.kind === "timeout" ? "failed" : "cancelled");
}

function memberDone(state: SchedulerState, run: RunState, index: number): void {
  const root = run.compiled.tasks[index]!.group;
  const left = run.groupLeft.get(root);
  if (left === undefined) return;
  run.groupLeft.set(root, left - 1);
  if (left - 1 === 0) state.ledger.release(groupClaimant(run.runId, run.compiled.tasks[root]!.id));
}

function finishRun(state: SchedulerState, run: RunState, out: SchedulerCommand[], forced?: RunOutcomeStatus): void {
  for (const group of run.compiled.groups.values()) {
    state.ledger.release(groupClaimant(run.runId, run.compiled.tasks[group.root]!.id));
  }
  state.runs.delete(run.runId);
  state.activeRuns = state.activeRuns.filter((id) => id !== run.runId);
  const results: Record<string, unknown> = {};
  const allocations: Record<string, MachineName> = {};
  run.tasks.forEach((task, index) => {
    const id = run.compiled.tasks[index]!.id;
    if (task.state === TaskState.Succeeded) results[id] = task.result;
    if (task.machine !== null) allocations[id] = task.machine;
  });
  const hasFailed = run.failures.some((failure) => failure.kind !== "cancelled");
  const status: RunOutcomeStatus = forced ?? (hasFailed ? RunStatus.Failed : run.cancelReason !== null ? RunStatus.Cancelled : RunStatus.Succeeded);
  const outcome: RunOutcome = { status, runId: run.runId, results, failures: run.failures, problems: [], allocations };
  out.push({ type: "run_finished", outcome });
}

function fireTimers(state: SchedulerState, now: number, out: SchedulerCommand[]): void {
  state.announcedTimerAt = null;
  for (const timer of state.timers.popDue(now)) {
    switch (timer.kind) {
      case "attempt_timeout": {
        const record = state.attempts.get(timer.attemptId);
        if (!record) break;
        const run = state.runs.get(record.runId)!;
        const compiled = run.compiled.tasks[record.task]!;
        state.attempts.delete(record.attemptId);
        state.ledger.release(record.attemptId);
        out.push({
          type: "abort_attempt",
          runId: record.runId,
          taskId: compiled.id,
          attemptId: record.attemptId,
          machine: record.machine,
          reason: "timeout",
        });
        failAttempt(state, record, { kind: "timeout", message: `timed out after ${compiled.spec.timeoutMs} ms` }, now, out);
        break;
      }
      case "retry_backoff": {
        const run = state.runs.get(timer.runId);
        const task = run?.tasks[timer.task];
        if (!run || !task || task.state !== TaskState.Retrying || task.attempts !== timer.attempts) break;
        if (task.remaining > 0) break; // an input is being recomputed; its success enqueues this task
        enqueue(run, timer.task, now, out, task.reason);
        break;
      }
      case "no_machine_grace": {
        const run = state.runs.get(timer.runId);
        const task = run?.tasks[timer.task];
        if (!run || !task || task.noMachineSince === null || task.currentAttempt !== null) break;
        if (now - task.noMachineSince < state.config.noMachineGraceMs) break;
        if (task.state !== TaskState.WaitingForResources && task.state !== TaskState.Retrying) break;
        task.attempts = Math.max(task.attempts, 0);
        failTask(
          state,
          run,
          timer.task,
          {
            kind: "infeasible",
            message: `no eligible machine for ${state.config.noMachineGraceMs} ms (${task.reason ?? "all gone"})`,
          },
          now,
          out,
        );
        break;
      }
      case "run_timeout": {
        const run = state.runs.get(timer.runId);
        if (!run) break;
        endRunEarly(state, run, { kind: "timeout", message: `run timed out after ${run.options.timeoutMs} ms` }, now, out);
        break;
      }
    }
  }
}

function announceTimer(state: SchedulerState, out: SchedulerCommand[]): void {
  const next = state.timers.peek();
  if (next && next.at !== state.announcedTimerAt) {
    state.announcedTimerAt = next.at;
    out.push({ type: "set_timer", at: next.at });
  }
}
