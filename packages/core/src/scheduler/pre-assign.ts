import { SLOTS, TaskState, type MachineName } from "../dag/model.ts";
import { allocate } from "../placement/allocate.ts";
import type { AllocMachine } from "../placement/allocation.ts";
import { NONE_TURNED_DOWN } from "../placement/explain.ts";
import { leaveAhead, withoutSlots } from "./assign-ahead.ts";
import type { AttemptId, SchedulerCommand, SchedulerEvent } from "./messages.ts";
import type { StartAttempt } from "./dispatch.ts";
import { emitChange } from "./run-helpers.ts";
import type { AttemptRecord, MachineEntry, RunState, SchedulerState } from "./scheduler-state.ts";

// Dependents pre-assigned to their producer's machine (issue #15: a chain's hop without a round trip). When an attempt
// is assigned (now or ahead) to machine M whose agent announced `preAssign`, each dependent whose inputs all exist
// already or are being produced by attempts assigned to M, and which M can run, is assigned to M at once: its input
// says `after: <producer attempt>`, and M's agent holds it until that value is in its store, then starts it without
// hearing from the server. It is a queued attempt by the assign-ahead ledger rule: it claims its cost without slots
// from its assignment, takes a place in M's queue (within `aheadDepth`), and its slots are claimed when the server
// sees them free — once every producer it waits for has succeeded (`promoteQueued` passes over it until then: on the
// agent it is not in the pool either). Its producer failing, timing out, being cancelled or lost withdraws it (and what
// waits for it): an abort to the agent, its claim released, no retry spent, its task back to waiting for its inputs.
// Kept out, placed the usual way once their inputs exist: collocated tasks, tasks with an inline input or an edge
// transform, tasks pinned elsewhere, runs placing `load_balanced` (locality would override the balance asked for).

/**
 * `record` was just assigned: pre-assigns its task's dependents that can wait for it on its machine. Not for an
 * attempt dispatch queued ahead (its batch was placed on the queue room it saw: it is tried after the next report).
 */
export function preAssignOnStart(state: SchedulerState, run: RunState, record: AttemptRecord, now: number, out: SchedulerCommand[], startAttempt: StartAttempt): void {
  if (record.isQueued && record.waitsFor === undefined) return;
  preAssignDependents(state, run, record, now, out, startAttempt);
}

/**
 * After `reported` succeeded and the dispatch that followed: its task's dependents still waiting for other inputs
 * may now wait only for attempts of one machine; and room may have freed in the reporting machine's queue, so the
 * dependents of the attempts queued there before (`before`, some now promoted) or now are tried again — a chain
 * longer than the queue goes on being pre-assigned as its head moves. O(dependents + queue depth).
 */
export function preAssignAfterReport(state: SchedulerState, reported: AttemptRecord, before: readonly AttemptId[] | undefined, now: number, out: SchedulerCommand[], startAttempt: StartAttempt): void {
  const run = state.runs.get(reported.runId);
  // What `preAssignOne` turns down at once, checked before `missingProducer`'s walk of the inputs: for a large fan-in
  // reported into one input at a time, that walk made the reports O(inputs²) (a fifth of `decide`'s CPU, 10k + sink).
  if (run !== undefined && run.options.strategy === "first_available" && run.cancelReason === null) {
    const most = mostHeldByOneMachine(state);
    for (const dependent of run.compiled.tasks[reported.task]!.dependents) {
      const task = run.tasks[dependent]!;
      if (task.remaining === 0 || task.state !== TaskState.WaitingForDependencies) continue;
      // More inputs missing than any one machine holds attempts: `producersOn` turns it down on every machine.
      if (task.remaining > most) continue;
      const producer = missingProducer(state, run, dependent);
      if (producer !== undefined) preAssignOne(state, run, dependent, producer, now, out, startAttempt);
    }
  }
  const machine = reported.machine;
  if (state.machines.get(machine)?.preAssign !== true) return;
  const queued = state.ahead.get(machine);
  const candidates = before === undefined ? (queued === undefined ? [] : [...queued]) : queued === undefined ? before : [...before, ...queued];
  for (const id of candidates) {
    const record = state.attempts.get(id);
    const run = record === undefined ? undefined : state.runs.get(record.runId);
    if (record !== undefined && run !== undefined) preAssignDependents(state, run, record, now, out, startAttempt);
  }
}

/** Pre-assigns to `record`'s machine the dependents of its task that can wait there for it (see above). */
function preAssignDependents(state: SchedulerState, run: RunState, record: AttemptRecord, now: number, out: SchedulerCommand[], startAttempt: StartAttempt): void {
  const machine = state.machines.get(record.machine);
  if (machine === undefined || !machine.preAssign || machine.status !== "online" || run.cancelReason !== null) return;
  if (run.options.strategy !== "first_available") return;
  for (const dependent of run.compiled.tasks[record.task]!.dependents) {
    if (!preAssignOne(state, run, dependent, record, now, out, startAttempt)) return;
  }
}

/** Pre-assigns task `dependent` to wait for `record` (and its other producers there); false once the machine takes no more. */
function preAssignOne(state: SchedulerState, run: RunState, dependent: number, record: AttemptRecord, now: number, out: SchedulerCommand[], startAttempt: StartAttempt): boolean {
  const machine = state.machines.get(record.machine);
  if (machine === undefined || !machine.preAssign || machine.status !== "online" || run.cancelReason !== null) return false;
  if (run.options.strategy !== "first_available" || run.running >= run.options.maxConcurrency) return false;
  const view = queueView(state, machine.name);
  if (view === undefined) return false;
  const waitsFor = producersOn(state, run, dependent, machine);
  if (waitsFor === undefined || !waitsFor.includes(record.attemptId)) return true;
  const compiled = run.compiled.tasks[dependent]!;
  const functions = run.compiled.functions[dependent]!;
  const placed = allocate([{ id: compiled.id, cost: compiled.attemptCost, placement: compiled.placement, functions }], [view], { strategy: "first_available" });
  if (placed.placed.get(compiled.id) !== machine.name) return true;
  const attemptId = `${run.runId}/${compiled.id}#${run.tasks[dependent]!.attempts + 1}`;
  if (!state.ledger.claimMany([{ claimant: attemptId, machine: machine.name, cost: withoutSlots(compiled.attemptCost) }]).ok) return true;
  for (const producer of waitsFor) {
    const held = state.attempts.get(producer)!;
    (held.preAssigned ??= []).push(attemptId);
  }
  // Why here, for the run view and the attempt's record: beside the value it waits for.
  run.tasks[dependent]!.placement = {
    machine: machine.name,
    cost: compiled.attemptCost,
    turnedDown: NONE_TURNED_DOWN,
    summary: `pre-assigned beside its input "${run.compiled.tasks[record.task]!.id}" on ${machine.name}: starts there once that value is stored`,
  };
  startAttempt(state, run, dependent, machine.name, attemptId, now, out, true, waitsFor);
  return true;
}

const mostHeld = new WeakMap<SchedulerState, { readonly changes: number; readonly most: number }>();

/**
 * The most attempts one known machine may hold at once (running and queued: its slots plus its queue's depth), the
 * bound `producersOn` checks a task's missing inputs against; kept until a machine joins or changes status.
 */
function mostHeldByOneMachine(state: SchedulerState): number {
  const known = mostHeld.get(state);
  if (known !== undefined && known.changes === state.machineChanges) return known.most;
  let most = 0;
  for (const entry of state.machines.values()) most = Math.max(most, heldAtMost(entry));
  mostHeld.set(state, { changes: state.machineChanges, most });
  return most;
}

/** The attempts a machine may hold at once: its slots plus its queue's depth. */
function heldAtMost(entry: MachineEntry): number {
  return (entry.capacity[SLOTS] ?? 1) + entry.aheadDepth;
}

/** The live attempt of one of task `index`'s producers that has not succeeded yet (the first found). */
function missingProducer(state: SchedulerState, run: RunState, index: number): AttemptRecord | undefined {
  for (const dep of run.compiled.tasks[index]!.deps) {
    const producer = run.tasks[dep]!;
    if (producer.state === TaskState.Succeeded) continue;
    return producer.currentAttempt === null ? undefined : state.attempts.get(producer.currentAttempt);
  }
  return undefined;
}

/** The machine as a queued attempt may claim it (assign-ahead's rule), or undefined when its queue is full. */
function queueView(state: SchedulerState, name: MachineName): AllocMachine | undefined {
  const machine = state.machines.get(name)!;
  const room = machine.aheadDepth - (state.ahead.get(name)?.length ?? 0);
  if (room <= 0) return undefined;
  return { name, free: { ...state.ledger.freeView(name), [SLOTS]: room }, total: machine.capacity, functions: machine.functions };
}

/**
 * The attempts on `machine` whose values the task `index` would wait for, when it can be pre-assigned there: it
 * waits for its inputs, none of them inline or transformed, not collocated, not pinned elsewhere, and each of its
 * producers has succeeded or has its current attempt on `machine`. Undefined otherwise.
 */
function producersOn(state: SchedulerState, run: RunState, index: number, entry: MachineEntry): AttemptId[] | undefined {
  const machine = entry.name;
  const task = run.tasks[index]!;
  const compiled = run.compiled.tasks[index]!;
  if (task.state !== TaskState.WaitingForDependencies || task.currentAttempt !== null || task.remaining === 0) return undefined;
  // More inputs missing than attempts the machine holds (running and queued): not all made there (a large fan-in).
  if (task.remaining > heldAtMost(entry)) return undefined;
  if (run.compiled.groups.has(compiled.group)) return undefined;
  if (compiled.placement.kind === "pinned" ? compiled.placement.machine !== machine : compiled.placement.kind !== "auto") return undefined;
  const waitsFor: AttemptId[] = [];
  for (const input of compiled.inputs) {
    if (input.encode !== undefined || input.decode !== undefined || run.compiled.tasks[input.source]!.isInline) return undefined;
  }
  for (const dep of compiled.deps) {
    const producer = run.tasks[dep]!;
    if (producer.state === TaskState.Succeeded) continue;
    const attemptId = producer.currentAttempt;
    const held = attemptId === null ? undefined : state.attempts.get(attemptId);
    if (held === undefined || held.machine !== machine) return undefined;
    if (!waitsFor.includes(held.attemptId)) waitsFor.push(held.attemptId);
  }
  return waitsFor.length === 0 ? undefined : waitsFor;
}

/** `record` succeeded: the attempts pre-assigned to wait for it no longer do (the server may promote them). */
export function producerSucceeded(state: SchedulerState, record: AttemptRecord): void {
  if (record.preAssigned === undefined) return;
  for (const id of record.preAssigned) {
    const waiting = state.attempts.get(id);
    if (waiting?.waitsFor === undefined) continue;
    const at = waiting.waitsFor.indexOf(record.attemptId);
    if (at !== -1) waiting.waitsFor.splice(at, 1);
    if (waiting.waitsFor.length === 0) waiting.waitsFor = undefined;
  }
}

/**
 * `record` ended without a value (failed, timed out, lost, withdrawn): every attempt still waiting for it is withdrawn,
 * and what waits for those in turn — an abort to the agent, the claim released, no retry spent, the task back to
 * waiting for its inputs (one of them is this producer, so its task is not succeeded).
 */
export function withdrawDependents(state: SchedulerState, record: AttemptRecord, now: number, out: SchedulerCommand[]): void {
  if (record.preAssigned === undefined) return;
  for (const id of record.preAssigned) {
    const waiting = state.attempts.get(id);
    if (waiting?.waitsFor?.includes(record.attemptId) !== true) continue;
    withdraw(state, waiting, `its input's attempt ${record.attemptId} ended without a value`, now, out);
  }
}

/**
 * An attempt reported lost (`machine_lost`: its agent came back without it — restarted, or its assignment never
 * arrived) while still pre-assigned and waiting for a producer's value never started: it is withdrawn as when that
 * producer fails (no retry spent, no loss counted), not failed. True when it was; false leaves the report to
 * `failAttempt` (an attempt whose producers all succeeded may have started: it stays lost).
 */
export function withdrawLostBeforeStart(state: SchedulerState, event: Extract<SchedulerEvent, { type: "attempt_failed" }>, now: number, out: SchedulerCommand[]): boolean {
  if (event.error.kind !== "machine_lost" || !waitsForProducer(state, event.attemptId)) return false;
  const waiting = state.attempts.get(event.attemptId)!;
  if (waiting.machine !== event.machine) return false;
  withdraw(state, waiting, `lost before it started (${event.error.message})`, now, out);
  return true;
}

/**
 * Whether attempt `attemptId` is pre-assigned and still waiting for a producer's value the scheduler has not seen
 * (so its agent cannot have started it): losing it withdraws it; the server records no `machine_lost` for it.
 */
export function waitsForProducer(state: SchedulerState, attemptId: AttemptId): boolean {
  return state.attempts.get(attemptId)?.waitsFor !== undefined;
}

/** Withdraws `waiting`, a pre-assigned attempt still waiting for a producer, and what waits for it in turn. */
function withdraw(state: SchedulerState, waiting: AttemptRecord, why: string, now: number, out: SchedulerCommand[]): void {
  const id = waiting.attemptId;
  const run = state.runs.get(waiting.runId)!;
  const task = run.tasks[waiting.task]!;
  state.attempts.delete(id);
  state.ledger.release(id);
  if (waiting.isQueued) leaveAhead(state, waiting);
  out.push({ type: "abort_attempt", runId: run.runId, taskId: run.compiled.tasks[waiting.task]!.id, attemptId: id, machine: waiting.machine, reason: "cancelled" });
  run.running -= 1;
  task.currentAttempt = null;
  task.state = TaskState.WaitingForDependencies;
  task.reason = `withdrawn from "${waiting.machine}": ${why}; waiting for its inputs`;
  task.placement = undefined;
  emitChange(run, waiting.task, now, out);
  withdrawDependents(state, waiting, now, out);
}
