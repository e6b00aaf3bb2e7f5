import { TaskState, type MachineName, type Resources, type TaskId } from "../dag/model.ts";
import type { AllocMachine, AllocTask } from "../placement/allocation.ts";
import { groupPlacementCost } from "../placement/attempt-cost.ts";
import {
  classifyCandidates,
  explanationOf,
  type CandidateVerdict,
  type ExplainMachine,
  type ExplainOptions,
  type ExplainRequest,
  type PlacementExplanation,
} from "../placement/explain.ts";
import type { RunId } from "./messages.ts";
import type { MachineEntry, RunState, SchedulerState } from "./scheduler-state.ts";
import type { ResourceLedger } from "../ledger/resource-ledger.ts";
import { indexedTurnedDown } from "./turn-down-index.ts";

// The scheduler's side of "why here, why waiting": the machines and the request as `dispatch` saw them, explained
// once per placement attempt, and the on-demand view of one task (`explainTask`).

/** A known machine as explanations see it: status and free capacity read live (getters on the prototype: no closures). */
class LedgerMachine implements ExplainMachine {
  constructor(
    readonly entry: MachineEntry,
    private readonly ledger: ResourceLedger,
  ) {}
  get name(): MachineName {
    return this.entry.name;
  }
  get status(): ExplainMachine["status"] {
    return this.entry.status;
  }
  get free(): Resources {
    return this.ledger.freeView(this.entry.name);
  }
  get total(): Resources {
    return this.entry.capacity;
  }
  get functions(): ReadonlySet<string> {
    return this.entry.functions;
  }
}

// Built once per set of machines, not per dispatch: allocating a view per machine at every decision doubled the
// scheduler's garbage. Kept while `machineChanges` stays the same (no machine joined or changed status), else checked by
// identity (a machine that joins again is a new entry).
const views = new WeakMap<SchedulerState, { list: LedgerMachine[]; changes: number }>();

/** Every known machine with its free capacity read from the ledger when asked (frozen views, no copies). */
export function explainMachines(state: SchedulerState): readonly ExplainMachine[] {
  const known = views.get(state);
  if (known !== undefined && known.changes === state.machineChanges) return known.list;
  if (known !== undefined && known.list.length === state.machines.size) {
    let index = 0;
    let isSame = true;
    for (const entry of state.machines.values()) {
      if (known.list[index++]!.entry !== entry) {
        isSame = false;
        break;
      }
    }
    if (isSame) {
      known.changes = state.machineChanges;
      return known.list;
    }
  }
  const list = [...state.machines.values()].map((entry) => new LedgerMachine(entry, state.ledger));
  views.set(state, { list, changes: state.machineChanges });
  return list;
}

const onlineViews = new WeakMap<SchedulerState, { readonly all: readonly ExplainMachine[]; readonly statuses: readonly string[]; readonly online: readonly ExplainMachine[]; changes: number }>();

/**
 * The online machines as `allocate` sees them, by name, free capacity read live from the ledger: the same views as
 * `explainMachines`, kept until a machine joins, leaves or changes status (dispatch asks at every decision).
 */
export function onlineMachines(state: SchedulerState): readonly AllocMachine[] {
  const all = explainMachines(state);
  const known = onlineViews.get(state);
  if (known !== undefined && known.all === all) {
    if (known.changes === state.machineChanges) return known.online;
    let isSame = true;
    for (let i = 0; i < all.length && isSame; i++) isSame = all[i]!.status === known.statuses[i];
    if (isSame) {
      known.changes = state.machineChanges;
      return known.online;
    }
  }
  // By name: `allocate` takes them in that order, and finds them so without sorting at every decision.
  const online = all.filter((machine) => machine.status === "online").sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  onlineViews.set(state, { all, statuses: all.map((machine) => machine.status), online, changes: state.machineChanges });
  return online;
}

function explainOptions(state: SchedulerState, run: RunState, index: number): ExplainOptions {
  const inputBytes = inputBytesOf(state, run, index);
  // Fields set one by one rather than spread in: this runs once per placement.
  const options: { -readonly [K in keyof ExplainOptions]: ExplainOptions[K] } = { strategy: run.options.strategy };
  if (state.config.localMachine !== undefined) options.localMachine = state.config.localMachine;
  if (inputBytes !== undefined) options.inputBytes = inputBytes;
  return options;
}

/** The bytes of the task's inputs held per machine, when the shell told the core how to size a result. */
function inputBytesOf(state: SchedulerState, run: RunState, index: number): ExplainOptions["inputBytes"] {
  const { resultBytes } = state.config;
  if (resultBytes === undefined) return undefined;
  const deps = run.compiled.tasks[index]!.deps;
  if (deps.length === 0) return undefined;
  let total = 0;
  const on = new Map<MachineName, number>();
  for (const dep of deps) {
    const producer = run.tasks[dep]!;
    const bytes = producer.resultMachine === null ? undefined : resultBytes(producer.result);
    if (bytes === undefined || producer.resultMachine === null) continue;
    total += bytes;
    on.set(producer.resultMachine, (on.get(producer.resultMachine) ?? 0) + bytes);
  }
  return { total, on: (machine) => on.get(machine) ?? 0 };
}

/** The request `dispatch` placed for task `index` (the batch entry it gave `allocate`). */
export function requestOf(run: RunState, index: number, entry: AllocTask): ExplainRequest {
  const compiled = run.compiled.tasks[index]!;
  const group = run.compiled.groups.get(compiled.group);
  const isFollower = group !== undefined && group.root !== index && run.groupMachine.has(group.root) && entry.placement.kind === "pinned";
  const request: { -readonly [K in keyof ExplainRequest]: ExplainRequest[K] } = { cost: entry.cost, functions: entry.functions ?? [] };
  if (entry.placement.kind === "pinned") request.pinnedTo = entry.placement.machine;
  if (isFollower) request.collocatedWith = run.compiled.tasks[group.root]!.id;
  return request;
}

/**
 * Explains one placement attempt of `dispatch`: `chosen` is allocate's machine, or null when the task waits. `machines`
 * is `explainMachines(state)`; the turned-down machines are counted as `explainPlacement` counts them, by the
 * per-request index of `turn-down-index.ts` (it revisits only the machines whose claims changed since).
 */
export function explainAttempt(
  state: SchedulerState,
  run: RunState,
  index: number,
  entry: AllocTask,
  machines: readonly ExplainMachine[],
  chosen: MachineName | null,
): PlacementExplanation {
  const request = requestOf(run, index, entry);
  return explanationOf(request, indexedTurnedDown(state, request, machines, chosen), chosen, explainOptions(state, run, index));
}

/** What one task is doing and why, now: the on-demand query (full candidate list included). */
export interface TaskExplanation {
  readonly taskId: TaskId;
  readonly state: TaskState;
  readonly reason?: string;
  /** Its regular dependencies: how many have succeeded of how many. */
  readonly dependencies: { readonly done: number; readonly total: number; readonly waitingFor: readonly TaskId[] };
  /** The last placement decision (of the running attempt, or of the last try while it waits). */
  readonly placement?: PlacementExplanation;
  /** Every known machine's verdict for this task against the cluster now; absent for inline and finished tasks. */
  readonly candidates?: readonly CandidateVerdict[];
}

const LISTED_DEPENDENCIES = 20;

/**
 * Explains one task of a run the scheduler holds, against the cluster as it is now: O(machines + deps), for one
 * task, on request. Undefined for an unknown run or task.
 * @example explainTask(state, "run-1", "resize")?.candidates // [{ machine: "m1", verdict: "lacks", lacks: { cpu: 2 } }, …]
 */
export function explainTask(state: SchedulerState, runId: RunId, taskId: TaskId): TaskExplanation | undefined {
  const run = state.runs.get(runId);
  const index = run?.compiled.byId.get(taskId);
  if (run === undefined || index === undefined) return undefined;
  const task = run.tasks[index]!;
  const compiled = run.compiled.tasks[index]!;
  const pending = compiled.deps.filter((dep) => run.tasks[dep]!.state !== TaskState.Succeeded);
  const base = {
    taskId,
    state: task.state,
    ...(task.reason === undefined ? {} : { reason: task.reason }),
    dependencies: {
      done: compiled.deps.length - pending.length,
      total: compiled.deps.length,
      waitingFor: pending.slice(0, LISTED_DEPENDENCIES).map((dep) => run.compiled.tasks[dep]!.id),
    },
    ...(task.placement === undefined ? {} : { placement: task.placement }),
  };
  const isLive = task.state === TaskState.Running || task.state === TaskState.WaitingForResources || task.state === TaskState.Retrying || task.state === TaskState.WaitingForDependencies;
  if (compiled.isInline || !isLive) return base;
  const chosen = task.state === TaskState.Running ? task.machine : null;
  return { ...base, candidates: classifyCandidates(currentRequest(run, index), explainMachines(state), chosen) };
}

/** The request the task would be placed with now (as `dispatch` builds it). */
function currentRequest(run: RunState, index: number): ExplainRequest {
  const compiled = run.compiled.tasks[index]!;
  const functions = run.compiled.functions[index]!;
  const group = run.compiled.groups.get(compiled.group);
  if (group === undefined) {
    return { cost: compiled.attemptCost, functions, ...(compiled.placement.kind === "pinned" ? { pinnedTo: compiled.placement.machine } : {}) };
  }
  const placedOn = run.groupMachine.get(group.root);
  if (placedOn !== undefined) {
    return { cost: compiled.attemptCost, functions, pinnedTo: placedOn, ...(group.root === index ? {} : { collocatedWith: run.compiled.tasks[group.root]!.id }) };
  }
  return { cost: groupPlacementCost(group.mergedCost), functions: group.functions, ...(group.placement.kind === "pinned" ? { pinnedTo: group.placement.machine } : {}) };
}
