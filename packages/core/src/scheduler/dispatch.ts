import { SLOTS, TaskState, type MachineName } from "../dag/model.ts";
import { allocate, allocateOne } from "../placement/allocate.ts";
import type { AllocateOptions, AllocMachine, AllocTask, Allocation, OnePlacement } from "../placement/allocation.ts";
import { describeLacks } from "../placement/resources.ts";
import { groupPlacementCost } from "../placement/attempt-cost.ts";
import type { ExplainMachine, PlacementExplanation } from "../placement/explain.ts";
import { explainAttempt, explainMachines, onlineMachines } from "./explain-attempt.ts";
import type { AttemptId, SchedulerCommand } from "./messages.ts";
import { reusedInputHolder } from "./reused-input-holder.ts";
import { chooseBalanced } from "./balance-index.ts";
import { aheadMachines, promoteQueued, withoutSlots } from "./assign-ahead.ts";
import { emitChange, groupClaimant } from "./run-helpers.ts";
import type { RunState, SchedulerState } from "./scheduler-state.ts";

export type StartAttempt = (
  state: SchedulerState,
  run: RunState,
  index: number,
  machine: MachineName,
  attemptId: AttemptId,
  now: number,
  out: SchedulerCommand[],
  isQueued?: boolean,
  /** Pre-assigned (`pre-assign.ts`, always queued): the attempts on its machine whose values it waits for. */
  waitsFor?: AttemptId[],
) => void;

/** Placing now (slots free) or ahead (into a machine's queue, see `assign-ahead.ts`). */
type Mode = "now" | "ahead";


function freeSlots(machines: readonly AllocMachine[]): number {
  let total = 0;
  for (const machine of machines) total += Math.max(0, machine.free[SLOTS] ?? 0);
  return total;
}

/**
 * Places ready tasks of every active run, oldest run first: claims per attempt at dispatch, and a
 * task that does not fit right now stays queued with the reason it waits. Attempts queued ahead take freed
 * slots first; once no slot is free, ready tasks are queued ahead on machines that take them.
 */
export function dispatch(state: SchedulerState, now: number, out: SchedulerCommand[], startAttempt: StartAttempt): void {
  promoteQueued(state, now);
  // The machines' free slots change only when a run places something: looked up again after each `dispatchRun`, not
  // once per active run (with every slot taken, a tick no longer walks all runs × all machines to place nothing).
  let machines = onlineMachines(state);
  let slots = freeSlots(machines);
  for (const runId of state.activeRuns) {
    if (slots <= 0 && machines.length > 0) break;
    const run = state.runs.get(runId);
    if (!run || run.head >= run.queue.length) continue;
    if (run.options.maxConcurrency - run.running <= 0) continue;
    for (;;) {
      // With no machine at all, look at every queued task so each starts its grace period.
      const limit = Math.min(machines.length === 0 ? run.queue.length : slots, run.options.maxConcurrency - run.running);
      if (limit <= 0) break;
      const isMore = dispatchRun(state, run, machines, limit, now, out, startAttempt, "now");
      machines = onlineMachines(state);
      slots = freeSlots(machines);
      if (!isMore || (slots <= 0 && machines.length > 0)) break;
    }
  }
  dispatchAhead(state, now, out, startAttempt);
}

function dispatchAhead(state: SchedulerState, now: number, out: SchedulerCommand[], startAttempt: StartAttempt): void {
  // Room ahead changes only when a run queues something there: looked up again after each `dispatchRun`.
  let machines: readonly AllocMachine[] | undefined;
  for (const runId of state.activeRuns) {
    const run = state.runs.get(runId);
    if (!run || run.head >= run.queue.length) continue;
    machines ??= aheadMachines(state);
    if (machines.length === 0) return;
    const limit = Math.min(freeSlots(machines), run.options.maxConcurrency - run.running);
    if (limit > 0) {
      dispatchRun(state, run, machines, limit, now, out, startAttempt, "ahead");
      machines = undefined;
    }
  }
}

function dispatchRun(
  state: SchedulerState,
  run: RunState,
  machines: readonly AllocMachine[],
  limit: number,
  now: number,
  out: SchedulerCommand[],
  startAttempt: StartAttempt,
  mode: Mode,
): boolean {
  const isAhead = mode === "ahead";
  // Made at their first entry at that size (`append`): most batches hold one or two tasks.
  let taken: number[] | undefined;
  let batch: AllocTask[] | undefined;
  let batchSize = 0;
  // Collocation groups are rare: these sets are built only when one shows up.
  let firstOfGroup: Set<number> | undefined;
  let groupsInBatch: Set<number> | undefined;
  // Ahead, collocated tasks are skipped, not placed: looking at `limit` tasks bounds the walk all the same.
  let takenCount = 0;
  while (batchSize < limit && (!isAhead || takenCount < limit) && run.head < run.queue.length) {
    const index = run.queue[run.head++]!;
    const task = run.tasks[index]!;
    task.isQueued = false;
    if (task.state !== TaskState.WaitingForResources && task.state !== TaskState.Retrying) continue;
    taken = append(taken, index);
    takenCount += 1;
    const compiled = run.compiled.tasks[index]!;
    const group = run.compiled.groups.get(compiled.group);
    const functions = run.compiled.functions[index]!;
    if (group && isAhead) continue; // collocation groups are placed only where slots are free
    if (!group) {
      const prefer = compiled.placement.kind === "auto" ? reusedInputHolder(run, index) : undefined;
      batch = append(batch, prefer === undefined ? { id: compiled.id, cost: compiled.attemptCost, placement: compiled.placement, functions } : { id: compiled.id, cost: compiled.attemptCost, placement: compiled.placement, functions, prefer });
      batchSize += 1;
      continue;
    }
    const placedOn = run.groupMachine.get(group.root);
    if (placedOn !== undefined) {
      batch = append(batch, { id: compiled.id, cost: compiled.attemptCost, placement: { kind: "pinned", machine: placedOn }, functions });
      batchSize += 1;
    } else if (groupsInBatch?.has(group.root) !== true) {
      (groupsInBatch ??= new Set()).add(group.root);
      (firstOfGroup ??= new Set()).add(index);
      const placement = group.placement.kind === "pinned" ? group.placement : { kind: "auto" as const };
      batch = append(batch, { id: compiled.id, cost: groupPlacementCost(group.mergedCost), placement, functions: group.functions });
      batchSize += 1;
    }
    // A second member of a group being placed in this batch waits for the next dispatch.
  }
  if (taken === undefined) return false;

  const { strategy } = run.options;
  const options: { -readonly [K in keyof AllocateOptions]: AllocateOptions[K] } = { strategy };
  if (state.config.localMachine !== undefined) options.localMachine = state.config.localMachine;
  // Placing now, the machines are `onlineMachines`' views of the ledger, which the balance index keeps scored.
  if (strategy === "load_balanced" && !isAhead) options.chooseLoadBalanced = (cost, functions) => chooseBalanced(state, machines, cost, functions);
  // A batch of one task that is not collocated (most decisions) is placed without `allocate`'s maps.
  const one: OnePlacement | undefined = batch?.length === 1 && taken.length === 1 && batch[0]!.placement.kind !== "collocated" ? allocateOne(batch[0]!, machines, options) : undefined;
  const allocation: Allocation = one !== undefined ? NOTHING_ALLOCATED : batch !== undefined ? allocate(batch, machines, options) : NOTHING_ALLOCATED;

  let keep: number[] | undefined;
  let placed = 0;
  // Why here / why waiting, once per placement attempt (O(machines) each, like allocate's own work for it).
  // Nobody watching (`isWatched` false): nothing is explained, and no state for it is made.
  const explained: Explained | undefined = state.config.isWatched ? { state, run, entries: undefined, known: undefined, batch: batch ?? NO_TASKS } : undefined;
  for (const index of taken) {
    const compiled = run.compiled.tasks[index]!;
    const task = run.tasks[index]!;
    const machine = one !== undefined ? one.machine : allocation.placed.get(compiled.id);
    if (machine !== undefined) {
      const explanation = explain(explained, index, machine);
      const attemptId = `${run.runId}/${compiled.id}#${task.attempts + 1}`;
      const group = run.compiled.groups.get(compiled.group);
      const cost = isAhead ? withoutSlots(compiled.attemptCost) : compiled.attemptCost;
      // A group's first member claims the group's cost with its own, at once; any other task claims alone (no lists).
      const claimed = group && firstOfGroup?.has(index) === true
        ? state.ledger.claimMany([{ claimant: attemptId, machine, cost }, { claimant: groupClaimant(run.runId, run.compiled.tasks[group.root]!.id), machine, cost: group.mergedCost }])
        : state.ledger.claim(attemptId, machine, cost);
      if (claimed.ok) {
        task.placement = explanation;
        if (group) run.groupMachine.set(group.root, machine);
        startAttempt(state, run, index, machine, attemptId, now, out, isAhead);
        placed += 1;
        continue;
      }
      // A task not queued ahead keeps the reason it waits for a free slot.
      if (!isAhead) setWaiting(state, run, index, `claim on "${machine}" failed: lacks ${describeLacks(claimed.lacks)}`, false, now, out);
    } else if (!isAhead) {
      const wait = one !== undefined ? one.wait : allocation.waiting.get(compiled.id);
      if (wait) setWaiting(state, run, index, wait.message, wait.kind === "no_eligible_machine", now, out, explain(explained, index, null));
      else setWaiting(state, run, index, "waiting for its collocation group to be placed", false, now, out);
    }
    keep = append(keep, index);
  }
  // Put the unplaced back at the head, in their order.
  const kept = keep?.length ?? 0;
  run.head -= kept;
  for (let i = 0; i < kept; i++) {
    run.queue[run.head + i] = keep![i]!;
    run.tasks[keep![i]!]!.isQueued = true;
  }
  if (run.head > 1024 && run.head * 2 > run.queue.length) {
    run.queue = run.queue.slice(run.head);
    run.head = 0;
  }
  // Deferred group members can go now that their group has a machine.
  return placed > 0 && kept > 0 && groupsInBatch !== undefined;
}

const NO_TASKS: readonly AllocTask[] = Object.freeze([]);
const NOTHING_ALLOCATED: Allocation = Object.freeze({ placed: new Map(), waiting: new Map() });

/**
 * `list` with `item` appended; a new list of exactly one item when there is none yet. A `[]` grows to room for 17 at
 * its first push, and `dispatchRun` made three per decision (~550 of the ~7,000 bytes it cost per task, heap profile).
 */
function append<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}

/** What `explain` needs from one `dispatchRun`: the batch given to `allocate`, and the machines once looked up. */
interface Explained {
  readonly state: SchedulerState;
  readonly run: RunState;
  readonly batch: readonly AllocTask[];
  /** The batch by task id, made on the first lookup that is not the batch's own order. */
  entries: Map<string, AllocTask> | undefined;
  known: readonly ExplainMachine[] | undefined;
}

/** The explanation of placing task `index` (its batch entry) on `chosen`, or of its wait (`chosen` null). */
function explain(explained: Explained | undefined, index: number, chosen: MachineName | null): PlacementExplanation | undefined {
  if (explained === undefined) return undefined;
  const { state, run, batch } = explained;
  const id = run.compiled.tasks[index]!.id;
  let entry: AllocTask | undefined;
  if (batch.length === 1) entry = batch[0]!.id === id ? batch[0] : undefined;
  else {
    if (explained.entries === undefined) {
      explained.entries = new Map();
      for (const item of batch) explained.entries.set(item.id, item);
    }
    entry = explained.entries.get(id);
  }
  return entry === undefined ? undefined : explainAttempt(state, run, index, entry, (explained.known ??= explainMachines(state)), chosen);
}

function setWaiting(
  state: SchedulerState,
  run: RunState,
  index: number,
  reason: string,
  hasNoMachine: boolean,
  now: number,
  out: SchedulerCommand[],
  placement?: PlacementExplanation,
): void {
  const task = run.tasks[index]!;
  if (hasNoMachine) {
    if (task.noMachineSince === null) {
      task.noMachineSince = now;
      state.timers.push(now + state.config.noMachineGraceMs, { kind: "no_machine_grace", runId: run.runId, task: index });
    }
  } else {
    task.noMachineSince = null;
  }
  const isSameWhy = task.placement?.summary === placement?.summary;
  task.placement = placement;
  if (task.state === TaskState.WaitingForResources && task.reason === reason && isSameWhy) return;
  task.state = TaskState.WaitingForResources;
  task.reason = reason;
  emitChange(run, index, now, out);
}
