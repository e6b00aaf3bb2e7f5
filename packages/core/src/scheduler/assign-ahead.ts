import { SLOTS, type Resources } from "../dag/model.ts";
import type { AllocMachine } from "../placement/allocation.ts";
import type { AttemptRecord, SchedulerState } from "./scheduler-state.ts";

// Attempts assigned ahead (issue #15). A machine whose agent announces `aheadDepth` takes up to that many attempts
// beyond its free slots; its agent queues them and starts each, in order, as soon as its slots free, so it never
// idles between a report and the next assignment. The ledger rule:
//  - a queued attempt claims its whole cost except `slots` from the moment it is queued, so it is queued only where
//    that part fits beside everything running and queued there: no declared resource is ever over-committed, even
//    when the agent starts it before the server hears that a slot freed;
//  - its `slots` are held by the agent's queue (at most `aheadDepth` attempts per machine), and claimed in the ledger
//    when the server sees them free (`promoteQueued`, in assignment order, before any new placement);
//  - cancelling its run, a timeout of its run, its machine draining or going offline withdraw it: its claim is
//    released at once and its task placed again, no retry spent (it never ran).

/** An attempt's cost without its slots: what a queued attempt claims. */
export function withoutSlots(cost: Resources): Resources {
  const { [SLOTS]: _slots, ...rest } = cost;
  return rest;
}

/**
 * Machines that can take an attempt ahead: online, with room left in their queue and no free slot (a machine with
 * a free slot that dispatch did not use fits none of the ready tasks). Their `free` is what a queued attempt may
 * claim: every resource as free now, and the queue's room as `slots`.
 */
export function aheadMachines(state: SchedulerState): readonly AllocMachine[] {
  // Made at the first machine with room: usually none has (no machine queues ahead in-process, or its slots are free).
  let machines: AllocMachine[] | undefined;
  for (const machine of state.machines.values()) {
    if (machine.status !== "online" || machine.aheadDepth <= 0) continue;
    const room = machine.aheadDepth - (state.ahead.get(machine.name)?.length ?? 0);
    if (room <= 0) continue;
    const free = state.ledger.freeView(machine.name);
    if ((free[SLOTS] ?? 0) > 0) continue;
    (machines ??= []).push({ name: machine.name, free: { ...free, [SLOTS]: room }, total: machine.capacity, functions: machine.functions });
  }
  return machines ?? NO_MACHINES;
}

const NO_MACHINES: readonly AllocMachine[] = Object.freeze([]);

/** Records a queued attempt (its claim without slots is held already). */
export function queueAhead(state: SchedulerState, record: AttemptRecord): void {
  let queue = state.ahead.get(record.machine);
  if (queue === undefined) state.ahead.set(record.machine, (queue = []));
  queue.push(record.attemptId);
}

/** Takes a queued attempt out of its machine's queue (it reported, was cancelled or withdrawn). */
export function leaveAhead(state: SchedulerState, record: AttemptRecord): void {
  const queue = state.ahead.get(record.machine);
  if (queue === undefined) return;
  const at = queue.indexOf(record.attemptId);
  if (at !== -1) queue.splice(at, 1);
  if (queue.length === 0) state.ahead.delete(record.machine);
  record.isQueued = false;
}

/**
 * Queued attempts whose slots the ledger now holds free take them, in assignment order per machine (a head that
 * does not fit yet keeps the ones behind it waiting, as the agent's queue does; one pre-assigned and still waiting
 * for its producer is passed over, as its agent holds it outside the pool). Their timeouts start here.
 */
export function promoteQueued(state: SchedulerState, now: number): void {
  if (state.ahead.size === 0) return;
  for (const [machine, queue] of state.ahead) {
    for (let at = 0; at < queue.length; ) {
      const record = state.attempts.get(queue[at]!)!;
      // Pre-assigned and still waiting for a producer's value: its agent holds it outside the pool (`pre-assign.ts`).
      if (record.waitsFor !== undefined) {
        at += 1;
        continue;
      }
      // The claim is of slots alone: a machine without as many free fails it, so it is not tried (no refusal made).
      if ((state.ledger.freeView(machine)[SLOTS] ?? 0) < record.slots) break;
      if (!state.ledger.claim(record.attemptId, machine, { [SLOTS]: record.slots }).ok) break;
      if (at === 0) queue.shift();
      else queue.splice(at, 1);
      record.isQueued = false;
      const timeoutMs = state.runs.get(record.runId)!.compiled.tasks[record.task]!.spec.timeoutMs;
      if (timeoutMs !== undefined) state.timers.push(now + timeoutMs, { kind: "attempt_timeout", attemptId: record.attemptId });
    }
    if (queue.length === 0) state.ahead.delete(machine);
  }
}
