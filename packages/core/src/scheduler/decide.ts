import { DEFAULT_MAX_RETRIES, SLOTS, TERMINAL_TASK_STATES, TaskState, type DagSpec, type MachineName } from "../dag/model.ts";
import { checkDag } from "../dag/check-dag.ts";
import { taskIndex, taskPositions } from "../dag/validate-dag.ts";
import { validateRunOptions } from "../dag/validate-run-options.ts";
import { neededFunctions } from "../placement/check-feasibility.ts";
import { withMachineSlots } from "../placement/machine-slots.ts";
import { compileDag, type CompiledDag, type CompiledTask } from "./compile-dag.ts";
import { RunStatus } from "../run/run-status.ts";
import type {
  RunResume,
  AttemptId,
  MachineAnnouncement,
  RunId,
  RunOptions,
  SchedulerCommand,
  SchedulerEvent,
} from "./messages.ts";
import type { AttemptRecord, ResolvedRunOptions, RunState, SchedulerState, TaskRuntime } from "./scheduler-state.ts";
import { dispatch } from "./dispatch.ts";
import { emitChange, groupClaimant } from "./run-helpers.ts";
import { withdrawQueued } from "./withdraw-queued.ts";
import { preAssignAfterReport, withdrawLostBeforeStart } from "./pre-assign.ts";
import { announceTimer, endRunEarly, enqueue, failAttempt, finishRun, fireTimers, startAttempt, succeedAttempt, takeAttempt } from "./attempt-lifecycle.ts";

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
  // A report frees room in its machine's queue: dependents of what was queued there may be pre-assigned after dispatch.
  let reported: { readonly record: AttemptRecord; readonly queued: AttemptId[] | undefined } | undefined;
  switch (event.type) {
    case "machine_joined":
      joinMachine(state, event.machine);
      break;
    case "machine_status_changed":
      changeMachineStatus(state, event.name, event.status, now, out);
      break;
    case "run_submitted":
      submitRun(state, event.runId, event.dag, event.options ?? {}, now, out, event.resume, event.compiled);
      break;
    case "attempt_succeeded": {
      const record = takeAttempt(state, event.attemptId, event.machine, out);
      if (record) {
        if (state.preAssigning) reported = { record, queued: state.ahead.get(record.machine)?.slice() };
        succeedAttempt(state, record, event.result, now, out);
      }
      break;
    }
    case "attempt_failed": {
      if (withdrawLostBeforeStart(state, event, now, out)) break;
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
  if (reported !== undefined) preAssignAfterReport(state, reported.record, reported.queued, now, out, startAttempt);
  announceTimer(state, out);
  return { state, commands: out };
}

function joinMachine(state: SchedulerState, machine: MachineAnnouncement): void {
  const capacity = withMachineSlots(machine.capacity);
  const depth = Math.floor(machine.aheadDepth ?? 0);
  state.machines.set(machine.name, {
    name: machine.name,
    capacity,
    functions: new Set(machine.functions),
    status: machine.status ?? "online",
    // Never more than its slots: a queue longer than the pool only holds work another machine could start.
    aheadDepth: depth > 0 ? Math.min(depth, capacity[SLOTS] ?? 1) : 0,
    preAssign: machine.preAssign === true,
  });
  state.machineChanges += 1;
  if (machine.preAssign === true) state.preAssigning = true;
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
  state.machineChanges += 1;
  if (status !== "online") withdrawQueued(state, name, status === "draining" ? "it is draining" : "it went offline", now, out);
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
  precompiled?: CompiledDag,
): void {
  if (state.runs.has(runId)) throw new Error(`run "${runId}" was already submitted`);
  // One index of the tasks by id for every check and the needs, one of their positions for validation and compilation.
  const index = taskIndex(dag);
  const positions = taskPositions(dag.tasks);
  const needs = neededFunctions(dag, index);
  // A resumed run was accepted before; its machines may simply not have reconnected yet.
  const machines = resume
    ? null
    : [...state.machines.values()].map((machine) => ({ name: machine.name, capacity: machine.capacity, functions: machine.functions, status: machine.status }));
  const problems = checkDag(dag, { machines, needs, index, positions, also: validateRunOptions(options) });
  if (problems.length > 0) {
    out.push({
      type: "run_finished",
      outcome: { status: RunStatus.Rejected, runId, results: {}, failures: [], problems, allocations: {} },
    });
    return;
  }

  const compiled = precompiled ?? compileDag(dag, needs, positions);
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
        placement: undefined,
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
    isWatched: state.config.isWatched,
    isResumed: resume !== undefined,
  };
  state.runs.set(runId, run);
  state.activeRuns.push(runId);
  if (run.options.timeoutMs !== undefined) state.timers.push(now + run.options.timeoutMs, { kind: "run_timeout", runId });
  if (resume) resumeTasks(state, run, resume, now, out);
  // Nothing resumed: these are the tasks `isReadyAtSubmission` names (the server inserts their rows queued).
  // Indexed: once per task of the submit, where for…of made an iterator result per task.
  for (let index = 0; index < compiled.tasks.length; index++) {
    const runtime = run.tasks[index]!;
    if (!compiled.tasks[index]!.isInline && runtime.remaining === 0 && runtime.state === TaskState.WaitingForDependencies) enqueue(run, index, now, out);
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
  state.attempts.set(attemptId, { runId: run.runId, task: task.index, attemptId, machine, startedAt: now, slots: task.attemptCost[SLOTS]!, isQueued: false });
  emitChange(run, task.index, now, out);
  if (task.spec.timeoutMs !== undefined) state.timers.push(now + task.spec.timeoutMs, { kind: "attempt_timeout", attemptId });
}
