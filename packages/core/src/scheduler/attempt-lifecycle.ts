import { SLOTS, TaskState, type MachineName, type TaskSpec } from "../dag/model.ts";
import type { TaskError } from "../errors.ts";
import type { CompiledTask } from "./compile-dag.ts";
import { RunStatus, type RunOutcomeStatus } from "../run/run-status.ts";
import type { AttemptId, InputRef, RunOutcome, SchedulerCommand } from "./messages.ts";
import type { AttemptRecord, RunState, SchedulerState } from "./scheduler-state.ts";
import { emitChange, groupClaimant, maxAttempts } from "./run-helpers.ts";
import { retryDelayMs } from "./retry-delay.ts";
import { leaveAhead, queueAhead } from "./assign-ahead.ts";
import { preAssignOnStart, producerSucceeded, withdrawDependents } from "./pre-assign.ts";

// An attempt's life and its task's: queued, started, succeeded or failed (retried, or failing the task and what
// depends on it), the run's end, and the timers that drive them. `decide` routes events here; nothing here calls back.

/** Why a task whose inputs all exist waits, until dispatch says more (a fresh run's ready rows are inserted with it). */
export const READY_REASON = "ready; waiting for a free slot";

export function enqueue(run: RunState, index: number, now: number, out: SchedulerCommand[], reason = READY_REASON): void {
  const task = run.tasks[index]!;
  if (task.state !== TaskState.Retrying) task.state = TaskState.WaitingForResources;
  task.reason = reason;
  task.placement = undefined;
  if (!task.isQueued) {
    task.isQueued = true;
    run.queue.push(index);
  }
  emitChange(run, index, now, out);
}

/**
 * Called by dispatch once the ledger holds the attempt's claim on `machine`: its whole cost, or, `isQueued` (assigned
 * ahead), its cost without slots; its slots are claimed when they free (`promoteQueued`), and its timeout starts then.
 */
export function startAttempt(state: SchedulerState, run: RunState, index: number, machine: MachineName, attemptId: AttemptId, now: number, out: SchedulerCommand[], isQueued = false, waitsFor?: AttemptId[]): void {
  const task = run.tasks[index]!;
  const compiled = run.compiled.tasks[index]!;
  task.attempts += 1;
  task.state = TaskState.Running;
  task.machine = machine;
  task.currentAttempt = attemptId;
  task.reason = undefined;
  task.noMachineSince = null;
  run.running += 1;
  const slots = compiled.attemptCost[SLOTS]!;
  const record: AttemptRecord = { runId: run.runId, task: index, attemptId, machine, startedAt: now, slots, isQueued };
  if (waitsFor !== undefined) record.waitsFor = waitsFor; // pre-assigned (see `pre-assign.ts`)
  state.attempts.set(attemptId, record);
  if (isQueued) queueAhead(state, record);
  emitChange(run, index, now, out);
  const spec = compiled.spec;
  // Optional fields assigned one by one rather than spread in: this runs once per attempt.
  const assign: Mutable<Extract<SchedulerCommand, { type: "assign_task" }>> = {
    type: "assign_task",
    runId: run.runId,
    taskId: compiled.id,
    attemptId,
    attempt: task.attempts,
    machine,
    fn: spec.fn,
    inputs: buildInputs(run, compiled, waitsFor),
    extraArgs: spec.extraArgs ?? NO_ARGS,
    argumentInclusion: spec.argumentInclusion ?? "variadic",
    slots,
  };
  if (spec.timeoutMs !== undefined) assign.timeoutMs = spec.timeoutMs;
  if (isQueued) assign.isQueued = true;
  if (task.placement !== undefined) assign.placement = task.placement;
  out.push(assign);
  if (spec.timeoutMs !== undefined && !isQueued) state.timers.push(now + spec.timeoutMs, { kind: "attempt_timeout", attemptId });
  if (state.machines.get(machine)?.preAssign === true) preAssignOnStart(state, run, record, now, out, startAttempt);
}

const NO_ARGS: readonly unknown[] = Object.freeze([]);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** `waitsFor`: a pre-assigned attempt's producers on its machine, named as `after` by the inputs they make. */
function buildInputs(run: RunState, task: CompiledTask, waitsFor?: readonly AttemptId[]): InputRef[] {
  const inputs: InputRef[] = new Array<InputRef>(task.inputs.length);
  for (let i = 0; i < task.inputs.length; i++) {
    const input = task.inputs[i]!;
    const source = run.compiled.tasks[input.source]!;
    let ref: Mutable<InputRef>;
    if (source.isInline) {
      ref = {
        kind: "inline",
        taskId: source.id,
        fn: source.spec.fn,
        inputs: buildInputs(run, source),
        extraArgs: source.spec.extraArgs ?? NO_ARGS,
        argumentInclusion: source.spec.argumentInclusion ?? "variadic",
      };
    } else {
      const producer = run.tasks[input.source]!;
      const machine = producer.resultMachine;
      if (machine !== null) ref = { kind: "result", taskId: source.id, machine };
      else if (producer.currentAttempt !== null && waitsFor?.includes(producer.currentAttempt) === true) ref = { kind: "result", taskId: source.id, machine: producer.machine!, after: producer.currentAttempt };
      else throw new Error(`scheduler bug: "${task.id}" assigned before "${source.id}" succeeded`);
    }
    if (input.encode !== undefined) ref.encode = input.encode;
    if (input.decode !== undefined) ref.decode = input.decode;
    inputs[i] = ref;
  }
  return inputs;
}

export function takeAttempt(
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
  if (record.isQueued) leaveAhead(state, record); // its agent started it before the server saw a slot free
  state.ledger.release(attemptId);
  return record;
}

export function succeedAttempt(state: SchedulerState, record: AttemptRecord, result: unknown, now: number, out: SchedulerCommand[]): void {
  const run = state.runs.get(record.runId)!;
  const task = run.tasks[record.task]!;
  producerSucceeded(state, record);
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

export function failAttempt(state: SchedulerState, record: AttemptRecord, error: TaskError, now: number, out: SchedulerCommand[]): void {
  const run = state.runs.get(record.runId)!;
  const task = run.tasks[record.task]!;
  const compiled = run.compiled.tasks[record.task]!;
  withdrawDependents(state, record, now, out);
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
export function failTask(state: SchedulerState, run: RunState, index: number, error: TaskError, now: number, out: SchedulerCommand[]): void {
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
      const record = state.attempts.get(attemptId);
      if (record?.isQueued === true) leaveAhead(state, record);
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

export function endRunEarly(state: SchedulerState, run: RunState, error: TaskError, now: number, out: SchedulerCommand[]): void {
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

export function finishRun(state: SchedulerState, run: RunState, out: SchedulerCommand[], forced?: RunOutcomeStatus): void {
  for (const group of run.compiled.groups.values()) {
    state.ledger.release(groupClaimant(run.runId, run.compiled.tasks[group.root]!.id));
  }
  state.runs.delete(run.runId);
  state.activeRuns = state.activeRuns.filter((id) => id !== run.runId);
  const results: Record<string, unknown> = {};
  const allocations: Record<string, MachineName> = {};
  for (let index = 0; index < run.tasks.length; index++) {
    const task = run.tasks[index]!;
    const id = run.compiled.tasks[index]!.id;
    if (task.state === TaskState.Succeeded) setField(results, id, task.result);
    if (task.machine !== null) setField(allocations, id, task.machine);
  }
  const hasFailed = run.failures.some((failure) => failure.kind !== "cancelled");
  const status: RunOutcomeStatus = forced ?? (hasFailed ? RunStatus.Failed : run.cancelReason !== null ? RunStatus.Cancelled : RunStatus.Succeeded);
  const outcome: RunOutcome = { status, runId: run.runId, results, failures: run.failures, problems: [], allocations };
  out.push({ type: "run_finished", outcome });
}

/** `record[key] = value`, where a task named `__proto__` is an ordinary field (assigning it would set the prototype). */
function setField(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

export function fireTimers(state: SchedulerState, now: number, out: SchedulerCommand[]): void {
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

export function announceTimer(state: SchedulerState, out: SchedulerCommand[]): void {
  const next = state.timers.peek();
  if (next && next.at !== state.announcedTimerAt) {
    state.announcedTimerAt = next.at;
    out.push({ type: "set_timer", at: next.at });
  }
}
