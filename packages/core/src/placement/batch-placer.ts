import type { MachineName, Resources, Strategy, TaskId } from "../dag/model.ts";
import { describeTask, groupFunctions, type Group } from "./collocation-groups.ts";
import { describeLacks, fits, isEmptyCost, lacking, mergeCosts, subtractResources } from "./resources.ts";
import { balanceKeys, balanceScore } from "./balance-score.ts";
import { offersAll, type AllocateOptions, type AllocMachine, type AllocTask, type OnePlacement, type WaitReason } from "./allocation.ts";

function shortfall(lacks: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const amount of Object.values(lacks)) total += amount;
  return total;
}

/** What an allocation with nothing placed (or nothing waiting) holds: one shared empty map, never written. */
export const NO_ENTRIES: ReadonlyMap<never, never> = new Map<never, never>();

const byName = (a: AllocMachine, b: AllocMachine): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The machines sorted by name, each name once (the last entry of a name wins). Checks and keeps the list as given when
 * its names come strictly increasing — the scheduler's online list does — so a decision neither sorts nor copies.
 */
function sortedByName(machines: readonly AllocMachine[]): readonly AllocMachine[] {
  let isSorted = true;
  for (let i = 1; i < machines.length && isSorted; i++) isSorted = machines[i - 1]!.name < machines[i]!.name;
  if (isSorted) return machines;
  const unique = new Map<MachineName, AllocMachine>();
  for (const machine of machines) unique.set(machine.name, machine);
  return [...unique.values()].sort(byName);
}

/**
 * One `allocate` call's working state. A class rather than closures inside `allocate`: the scheduler
 * calls it at every decision, and building six closures per call measured ~2 µs under tsx. It works on the machine
 * objects in name order and builds no map of them unless a task names a machine (pinned, preferred): with 200
 * machines, when each call sorted them and built that map, `allocate` was half of dispatch's time (profile, 2026-12-01).
 */
export class BatchPlacer {
  // Made on their first entry: a decision places one task, so one of the two stays empty (a Map each was ~160 bytes).
  #placed: Map<TaskId, MachineName> | undefined;
  #waiting: Map<TaskId, WaitReason> | undefined;
  readonly #strategy: Strategy;
  readonly #hasNoMachine: boolean;
  readonly #localMachine: MachineName | undefined;
  readonly #chooseIndexed: AllocateOptions["chooseLoadBalanced"];
  /** By name, each name once. */
  readonly #sorted: readonly AllocMachine[];
  /** `first_available`'s order (the local machine first, then the last one used), made at its first task. */
  #order: AllocMachine[] | undefined;
  #byName: Map<MachineName, AllocMachine> | undefined;
  /**
   * Free capacity left in this batch, for the machines that took something (the others: `free`): the first such
   * machine in two fields, any other in the map (a batch of one task takes from one machine, and needs no map).
   */
  #takenName: MachineName | undefined;
  #takenFree: Resources | undefined;
  #taken: Map<MachineName, Record<string, number>> | undefined;
  /** Placing one task (`allocateOne`): its outcome is kept in a field, not a map, and the machine order is not kept. */
  readonly #isOne: boolean;
  #one: OnePlacement | undefined;

  constructor(machines: readonly AllocMachine[], options: AllocateOptions, isOne = false) {
    this.#strategy = options.strategy ?? "first_available";
    this.#hasNoMachine = machines.length === 0;
    this.#localMachine = options.localMachine;
    this.#chooseIndexed = options.chooseLoadBalanced;
    this.#sorted = sortedByName(machines);
    this.#isOne = isOne;
  }

  /** The one task's outcome (`allocateOne`). */
  one(): OnePlacement {
    return this.#one!;
  }

  get placed(): ReadonlyMap<TaskId, MachineName> {
    return this.#placed ?? NO_ENTRIES;
  }

  get waiting(): ReadonlyMap<TaskId, WaitReason> {
    return this.#waiting ?? NO_ENTRIES;
  }

  wait(id: TaskId, wait: WaitReason): void {
    (this.#waiting ??= new Map()).set(id, wait);
  }

  place(group: Group<AllocTask>): void {
    const cost = group.members.length === 0 ? group.root.cost : mergeCosts([group.root.cost, ...group.members.map((task) => task.cost)]);
    const functions: Iterable<string> = group.members.length === 0 ? (group.root.functions ?? []) : groupFunctions(group);

    const placement = group.root.placement;
    if (placement.kind === "pinned") {
      this.#placePinned(group, placement.machine, cost, functions);
      return;
    }

    if (this.#placePreferred(group, cost, functions)) return;

    if (this.#strategy === "load_balanced") {
      // Nothing taken yet: every machine's free capacity is the caller's, which its index knows.
      const indexed = this.#takenName === undefined && group.members.length === 0 ? this.#chooseIndexed : undefined;
      const chosen = indexed !== undefined ? indexed(cost, group.root.functions ?? []) : this.#chooseLoadBalanced(cost, functions);
      if (chosen === undefined) {
        this.#settleWaiting(group, this.#noCandidate(group, functions));
        return;
      }
      if (chosen === null) {
        this.#settleWaiting(group, this.#busy(group, this.#candidates(functions), cost));
        return;
      }
      this.#take(chosen, cost);
      this.#settlePlaced(group, chosen.name);
      return;
    }

    // first_available: the first machine of the current order that offers the functions and fits.
    const order = (this.#order ??= this.#firstAvailableOrder());
    const isCostless = isEmptyCost(cost);
    let first: AllocMachine | undefined;
    let chosen: AllocMachine | undefined;
    for (const machine of order) {
      if (!offersAll(machine, functions)) continue;
      first ??= machine;
      if (isCostless || fits(this.#free(machine), cost)) {
        chosen = machine;
        break;
      }
    }
    if (first === undefined) {
      this.#settleWaiting(group, this.#noCandidate(group, functions));
      return;
    }
    if (chosen === undefined) {
      this.#settleWaiting(group, this.#busy(group, this.#candidates(functions), cost));
      return;
    }
    if (isCostless) {
      this.#settlePlaced(group, chosen.name);
      return;
    }
    this.#take(chosen, cost);
    if (!this.#isOne && order[0] !== chosen) {
      order.splice(order.indexOf(chosen), 1);
      order.unshift(chosen);
    }
    this.#settlePlaced(group, chosen.name);
  }

  #placePinned(group: Group<AllocTask>, name: MachineName, cost: Resources, functions: Iterable<string>): void {
    const machine = this.#named(name);
    if (machine === undefined) {
      this.#settleWaiting(group, { kind: "no_eligible_machine", message: `${describeTask(group)} is pinned to machine "${name}", which is not online` });
      return;
    }
    if (!offersAll(machine, functions)) {
      const missing = [...new Set(functions)].filter((fn) => machine.functions !== undefined && !machine.functions.has(fn)).join(", ");
      this.#settleWaiting(group, { kind: "no_eligible_machine", message: `${describeTask(group)} is pinned to machine "${machine.name}", which does not offer ${missing}` });
      return;
    }
    if (!fits(this.#free(machine), cost)) {
      this.#settleWaiting(group, this.#busy(group, [machine], cost));
      return;
    }
    this.#take(machine, cost);
    this.#settlePlaced(group, machine.name);
  }

  #placePreferred(group: Group<AllocTask>, cost: Resources, functions: Iterable<string>): boolean {
    const prefer = group.members.length === 0 ? group.root.prefer : undefined;
    const machine = prefer === undefined ? undefined : this.#named(prefer);
    if (machine === undefined || !offersAll(machine, functions) || !fits(this.#free(machine), cost)) return false;
    this.#take(machine, cost);
    this.#settlePlaced(group, machine.name);
    return true;
  }

  /**
   * `load_balanced`: the fitting machine that keeps the largest minimum fraction free (`(free − cost) / total`) over
   * the cost's positive keys (else `slots`), the first by name among equals; null when none fits, undefined when no
   * machine offers the functions.
   */
  #chooseLoadBalanced(cost: Resources, functions: Iterable<string>): AllocMachine | null | undefined {
    const { keys, hasPositive } = balanceKeys(cost);
    let hasCandidate = false;
    let chosen: AllocMachine | null = null;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const machine of this.#sorted) {
      if (!offersAll(machine, functions)) continue;
      hasCandidate = true;
      const free = this.#free(machine);
      if (!fits(free, cost)) continue;
      const score = balanceScore(machine, free, cost, keys, hasPositive);
      if (chosen === null || score > bestScore) {
        chosen = machine;
        bestScore = score;
      }
    }
    return hasCandidate ? chosen : undefined;
  }

  /** Sorted by name, the local machine first. One task never reorders it: the list as given when it is that order already. */
  #firstAvailableOrder(): AllocMachine[] {
    const sorted = this.#sorted;
    if (this.#isOne && (this.#localMachine === undefined || sorted[0]?.name === this.#localMachine)) return sorted as AllocMachine[];
    const order = [...sorted];
    const local = this.#localMachine === undefined ? -1 : order.findIndex((machine) => machine.name === this.#localMachine);
    if (local > 0) order.unshift(order.splice(local, 1)[0]!);
    return order;
  }

  #named(name: MachineName): AllocMachine | undefined {
    if (this.#byName === undefined) {
      this.#byName = new Map();
      for (const machine of this.#sorted) this.#byName.set(machine.name, machine);
    }
    return this.#byName.get(name);
  }

  #free(machine: AllocMachine): Resources {
    if (machine.name === this.#takenName) return this.#takenFree!;
    return this.#taken?.get(machine.name) ?? machine.free;
  }

  #take(machine: AllocMachine, cost: Resources): void {
    const left = subtractResources(this.#free(machine), cost);
    if (this.#takenName === undefined || this.#takenName === machine.name) {
      this.#takenName = machine.name;
      this.#takenFree = left;
    } else {
      (this.#taken ??= new Map()).set(machine.name, left);
    }
  }

  /** The machines that offer the functions, in `first_available`'s current order (by name for `load_balanced`). */
  #candidates(functions: Iterable<string>): AllocMachine[] {
    const order: readonly AllocMachine[] = this.#order ?? this.#sorted;
    return order.filter((machine) => offersAll(machine, functions));
  }

  #settlePlaced(group: Group<AllocTask>, machine: MachineName): void {
    if (this.#isOne) {
      this.#one = { machine };
      return;
    }
    const placed = (this.#placed ??= new Map());
    placed.set(group.root.id, machine);
    for (const task of group.members) placed.set(task.id, machine);
  }

  #settleWaiting(group: Group<AllocTask>, wait: WaitReason): void {
    if (this.#isOne) {
      this.#one = { wait };
      return;
    }
    this.wait(group.root.id, wait);
    for (const task of group.members) this.wait(task.id, wait);
  }

  #noCandidate(group: Group<AllocTask>, functions: Iterable<string>): WaitReason {
    const message = this.#hasNoMachine
      ? `${describeTask(group)} waits: no machine is online`
      : `${describeTask(group)} waits: no online machine offers all of ${[...new Set(functions)].join(", ")}`;
    return { kind: "no_eligible_machine", message };
  }

  #busy(group: Group<AllocTask>, candidates: readonly AllocMachine[], cost: Resources): WaitReason {
    let closest: MachineName | null = null;
    let closestLacks: Record<string, number> = {};
    let best = Number.POSITIVE_INFINITY;
    for (const machine of [...candidates].sort(byName)) {
      const lacks = lacking(this.#free(machine), cost);
      const total = shortfall(lacks);
      if (total < best) {
        best = total;
        closest = machine.name;
        closestLacks = lacks;
      }
    }
    const where = closest === null ? "no machine" : `closest machine "${closest}" lacks ${describeLacks(closestLacks)}`;
    // Over the TOTAL capacity of every online candidate: no amount of waiting for claims helps; only a machine
    // joining (or coming back) does, so it counts as having no eligible machine (and fails after the grace period).
    const everFits = candidates.some((machine) => machine.total === undefined || fits(machine.total, cost));
    if (!everFits) {
      return { kind: "no_eligible_machine", message: `${describeTask(group)} waits: no online machine has the capacity for its cost (${where} even when idle)` };
    }
    return { kind: "busy", message: `${describeTask(group)} waits for resources: ${where}`, closestMachine: closest, lacks: closestLacks };
  }
}
