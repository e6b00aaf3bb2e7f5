import { SLOTS, type MachineName, type Placement, type Resources, type Strategy, type TaskId } from "../dag/model.ts";
import { describeLacks, fits, isEmptyCost, lacking, mergeCosts, subtractResources } from "./resources.ts";

/** A ready task to place. */
export interface AllocTask {
  readonly id: TaskId;
  readonly cost: Resources;
  readonly placement: Placement;
  /** Functions this task needs on its machine. */
  readonly functions?: readonly string[];
}

/** An eligible machine (online, not draining) as the allocator sees it. */
export interface AllocMachine {
  readonly name: MachineName;
  /** FREE capacity now. */
  readonly free: Resources;
  /** TOTAL capacity, used by load_balanced fractions; defaults to `free`. */
  readonly total?: Resources;
  /** Offered functions; `undefined` offers everything. */
  readonly functions?: ReadonlySet<string>;
}

export interface AllocateOptions {
  /** Default `first_available`. */
  readonly strategy?: Strategy;
  /** Moved to the front of the machine order (Handoff's "this node first"). */
  readonly localMachine?: MachineName;
}

/** Why a task was left unplaced: busy machines (it will fit later) or no machine that could ever take it. */
export type WaitReason =
  | {
      readonly kind: "busy";
      readonly message: string;
      readonly closestMachine: MachineName | null;
      readonly lacks: Readonly<Record<string, number>>;
    }
  | { readonly kind: "no_eligible_machine"; readonly message: string };

export interface Allocation {
  readonly placed: ReadonlyMap<TaskId, MachineName>;
  readonly waiting: ReadonlyMap<TaskId, WaitReason>;
}

interface Group {
  readonly root: AllocTask;
  readonly members: AllocTask[];
}

type RootResult = { readonly root: TaskId } | { readonly problem: string };

function resolveRoots(tasks: readonly AllocTask[], byId: ReadonlyMap<TaskId, AllocTask>): Map<TaskId, RootResult> {
  const rootOf = new Map<TaskId, RootResult>();
  for (const task of tasks) {
    if (rootOf.has(task.id)) continue;
    const path: TaskId[] = [];
    const onPath = new Set<TaskId>();
    let current = task.id;
    let result: RootResult;
    for (;;) {
      const known = rootOf.get(current);
      if (known !== undefined) {
        result = known;
        break;
      }
      const currentTask = byId.get(current);
      if (currentTask === undefined) {
        result = { problem: `its collocation target "${current}" is not placed (pin members of placed groups instead)` };
        break;
      }
      if (currentTask.placement.kind !== "collocated") {
        result = { root: current };
        break;
      }
      if (onPath.has(current)) {
        result = { problem: `its collocation chain is cyclic (${[...path, current].join(" → ")})` };
        break;
      }
      onPath.add(current);
      path.push(current);
      current = currentTask.placement.with;
    }
    for (const id of path) rootOf.set(id, result);
    if (path.length === 0) rootOf.set(task.id, result);
  }
  return rootOf;
}

function offersAll(machine: AllocMachine, functions: ReadonlySet<string>): boolean {
  if (machine.functions === undefined) return true;
  for (const fn of functions) if (!machine.functions.has(fn)) return false;
  return true;
}

function shortfall(lacks: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const amount of Object.values(lacks)) total += amount;
  return total;
}

/**
 * Places a batch of ready tasks on eligible machines with their free capacity — Handoff's
 * SimpleAllocator adapted to placement at dispatch: where Handoff raises or falls back without
 * subtracting, the task (and its whole collocation group) is left in `waiting` with the reason.
 *
 * - `first_available` (Handoff's rules): machines sorted by name, the local one first; pinned roots,
 *   then dynamic roots, then collocated members; a dynamic task goes to the first machine that fits
 *   and that machine moves to the front (stickiness); a task with an empty cost goes to the first
 *   eligible machine of the current order and subtracts nothing.
 * - `load_balanced`: each root (pinned first, then dynamic) goes to the fitting machine that keeps the
 *   largest minimum fraction free (`(free − cost) / total`) over its positive cost keys, ties by name.
 *   A task without a positive cost key goes to the machine with the largest free `slots` fraction.
 *
 * @example
 * allocate([{ id: "a", cost: { cpu: 1 }, placement: { kind: "auto" } }], [{ name: "m1", free: { cpu: 2 } }])
 * // { placed: Map { "a" => "m1" }, waiting: Map {} }
 */
export function allocate(
  readyTasks: readonly AllocTask[],
  machines: readonly AllocMachine[],
  options: AllocateOptions = {},
): Allocation {
  const strategy = options.strategy ?? "first_available";
  const placed = new Map<TaskId, MachineName>();
  const waiting = new Map<TaskId, WaitReason>();

  const byName = new Map<MachineName, AllocMachine>();
  for (const machine of machines) byName.set(machine.name, machine);
  const sortedNames = [...byName.keys()].sort();
  const order = [...sortedNames];
  if (options.localMachine !== undefined && byName.has(options.localMachine)) {
    order.splice(order.indexOf(options.localMachine), 1);
    order.unshift(options.localMachine);
  }
  const working = new Map<MachineName, Record<string, number>>();
  for (const machine of byName.values()) working.set(machine.name, { ...machine.free });

  const byId = new Map<TaskId, AllocTask>();
  for (const task of readyTasks) if (!byId.has(task.id)) byId.set(task.id, task);
  const rootOf = resolveRoots(readyTasks, byId);

  const groups = new Map<TaskId, Group>();
  for (const task of readyTasks) {
    const result = rootOf.get(task.id);
    if (result === undefined) continue;
    if ("problem" in result) {
      waiting.set(task.id, { kind: "no_eligible_machine", message: `task "${task.id}" cannot be placed: ${result.problem}` });
      continue;
    }
    let group = groups.get(result.root);
    if (group === undefined) {
      group = { root: byId.get(result.root)!, members: [] };
      groups.set(result.root, group);
    }
    if (task.id !== result.root) group.members.push(task);
  }

  const settle = (group: Group, outcome: { machine: MachineName } | { wait: WaitReason }): void => {
    for (const task of [group.root, ...group.members]) {
      if ("machine" in outcome) placed.set(task.id, outcome.machine);
      else waiting.set(task.id, outcome.wait);
    }
  };

  const describeTask = (group: Group): string =>
    group.members.length === 0
      ? `task "${group.root.id}"`
      : `task "${group.root.id}" with its collocation group of ${group.members.length + 1} tasks`;

  const busy = (group: Group, candidates: readonly MachineName[], cost: Resources): WaitReason => {
    let closest: MachineName | null = null;
    let closestLacks: Record<string, number> = {};
    let best = Number.POSITIVE_INFINITY;
    for (const name of [...candidates].sort()) {
      const lacks = lacking(working.get(name)!, cost);
      const total = shortfall(lacks);
      if (total < best) {
        best = total;
        closest = name;
        closestLacks = lacks;
      }
    }
    const where = closest === null ? "no machine" : `closest machine "${closest}" lacks ${describeLacks(closestLacks)}`;
    return { kind: "busy", message: `${describeTask(group)} waits for resources: ${where}`, closestMachine: closest, lacks: closestLacks };
  };

  const take = (name: MachineName, cost: Resources): void => {
    working.set(name, subtractResources(working.get(name)!, cost));
  };

  const placeGroup = (group: Group): void => {
    const tasks = [group.root, ...group.members];
    const cost = group.members.length === 0 ? group.root.cost : mergeCosts(tasks.map((task) => task.cost));
    const functions = new Set<string>();
    for (const task of tasks) for (const fn of task.functions ?? []) functions.add(fn);
    const missingFunctions = (machine: AllocMachine): string =>
      [...functions].filter((fn) => machine.functions !== undefined && !machine.functions.has(fn)).join(", ");

    const placement = group.root.placement;
    if (placement.kind === "pinned") {
      const machine = byName.get(placement.machine);
      if (machine === undefined) {
        settle(group, {
          wait: { kind: "no_eligible_machine", message: `${describeTask(group)} is pinned to machine "${placement.machine}", which is not online` },
        });
        return;
      }
      if (!offersAll(machine, functions)) {
        settle(group, {
          wait: {
            kind: "no_eligible_machine",
            message: `${describeTask(group)} is pinned to machine "${machine.name}", which does not offer ${missingFunctions(machine)}`,
          },
        });
        return;
      }
      if (!fits(working.get(machine.name)!, cost)) {
        settle(group, { wait: busy(group, [machine.name], cost) });
        return;
      }
      take(machine.name, cost);
      settle(group, { machine: machine.name });
      return;
    }

    const candidates = order.filter((name) => offersAll(byName.get(name)!, functions));
    if (candidates.length === 0) {
      const message =
        machines.length === 0
          ? `${describeTask(group)} waits: no machine is online`
          : `${describeTask(group)} waits: no online machine offers all of ${[...functions].join(", ")}`;
      settle(group, { wait: { kind: "no_eligible_machine", message } });
      return;
    }

    if (strategy === "load_balanced") {
      const chosen = chooseLoadBalanced(candidates, cost, byName, working);
      if (chosen === null) {
        settle(group, { wait: busy(group, candidates, cost) });
        return;
      }
      take(chosen, cost);
      settle(group, { machine: chosen });
      return;
    }

    if (isEmptyCost(cost)) {
      settle(group, { machine: candidates[0]! });
      return;
    }
    const chosen = candidates.find((name) => fits(working.get(name)!, cost));
    if (chosen === undefined) {
      settle(group, { wait: busy(group, candidates, cost) });
      return;
    }
    take(chosen, cost);
    order.splice(order.indexOf(chosen), 1);
    order.unshift(chosen);
    settle(group, { machine: chosen });
  };

  for (const group of groups.values()) if (group.root.placement.kind === "pinned") placeGroup(group);
  for (const group of groups.values()) if (group.root.placement.kind !== "pinned") placeGroup(group);
  return { placed, waiting };
}

function chooseLoadBalanced(
  candidates: readonly MachineName[],
  cost: Resources,
  byName: ReadonlyMap<MachineName, AllocMachine>,
  working: ReadonlyMap<MachineName, Record<string, number>>,
): MachineName | null {
  const positiveKeys = Object.keys(cost).filter((key) => (cost[key] ?? 0) > 0);
  const keys = positiveKeys.length > 0 ? positiveKeys : [SLOTS];
  let chosen: MachineName | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const name of [...candidates].sort()) {
    const free = working.get(name)!;
    if (!fits(free, cost)) continue;
    const machine = byName.get(name)!;
    let score = Number.POSITIVE_INFINITY;
    for (const key of keys) {
      const denominator = machine.total?.[key] ?? machine.free[key] ?? 0;
      const after = (free[key] ?? 0) - (positiveKeys.length > 0 ? (cost[key] ?? 0) : 0);
      score = Math.min(score, denominator > 0 ? after / denominator : 0);
    }
    if (chosen === null || score > bestScore) {
      chosen = name;
      bestScore = score;
    }
  }
  return chosen;
}
