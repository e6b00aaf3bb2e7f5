import type { MachineName, Resources } from "../dag/model.ts";
import { offersAll, type AllocMachine } from "../placement/allocation.ts";
import { balanceKeys, balanceScore } from "../placement/balance-score.ts";
import { fits } from "../placement/resources.ts";
import { ClaimChangeCursor, RequestKindIndexes, requestKind } from "./request-kind-index.ts";
import type { SchedulerState } from "./scheduler-state.ts";

// `load_balanced`'s choice without a scan of every machine per task: per kind of request (cost amounts and functions),
// every online machine's score (`balanceScore`, or none when it does not fit or lacks a function) in a tournament
// tree whose root is the best machine, the first by name among equals — the scan's answer. Before answering it
// re-scores only the machines whose free capacity changed since (the ledger's change log, O(log machines) each); all
// of them when a machine joined or changed status, or when it fell behind the log. With 200 machines the scan was a
// tenth of the server's CPU per task (profile of the simulator bench, 2026-12-02).

const NOT_A_CANDIDATE = Number.NEGATIVE_INFINITY;

class BalanceIndex {
  readonly #cost: Resources;
  readonly #functions: readonly string[];
  readonly #keys: readonly string[];
  readonly #hasPositive: boolean;
  readonly #cursor = new ClaimChangeCursor();
  readonly #rescore = (position: number): void => this.#rescoreAt(position);
  #machines: readonly AllocMachine[] = [];
  #positions = new Map<MachineName, number>();
  #hasCandidate = false;
  #scores = new Float64Array(0);
  /** Leaves at `#width + position`; each inner node holds the better of its children's positions (-1: none). */
  #tree = new Int32Array(0);
  #width = 0;

  constructor(cost: Resources, functions: readonly string[]) {
    this.#cost = cost;
    this.#functions = functions;
    const { keys, hasPositive } = balanceKeys(cost);
    this.#keys = keys;
    this.#hasPositive = hasPositive;
  }

  choose(state: SchedulerState, machines: readonly AllocMachine[]): AllocMachine | null | undefined {
    this.#sync(state, machines);
    if (!this.#hasCandidate) return undefined;
    const best = this.#tree[1]!;
    return best < 0 || this.#scores[best] === NOT_A_CANDIDATE ? null : machines[best]!;
  }

  #sync(state: SchedulerState, machines: readonly AllocMachine[]): void {
    if (!this.#cursor.sync(state, machines, this.#positions, this.#rescore)) this.#rebuild(machines);
  }

  #rescoreAt(position: number): void {
    const score = this.#scoreOf(this.#machines[position]!);
    if (score === this.#scores[position]) return;
    this.#scores[position] = score;
    for (let node = (this.#width + position) >> 1; node >= 1; node >>= 1) this.#tree[node] = this.#better(this.#tree[2 * node]!, this.#tree[2 * node + 1]!);
  }

  #rebuild(machines: readonly AllocMachine[]): void {
    this.#machines = machines;
    this.#positions = new Map();
    this.#hasCandidate = false;
    let width = 1;
    while (width < machines.length) width *= 2;
    this.#width = width;
    this.#scores = new Float64Array(machines.length);
    this.#tree = new Int32Array(2 * width).fill(-1);
    for (const [position, machine] of machines.entries()) {
      this.#positions.set(machine.name, position);
      if (offersAll(machine, this.#functions)) this.#hasCandidate = true;
      this.#scores[position] = this.#scoreOf(machine);
      this.#tree[width + position] = position;
    }
    for (let node = width - 1; node >= 1; node--) this.#tree[node] = this.#better(this.#tree[2 * node]!, this.#tree[2 * node + 1]!);
  }

  #scoreOf(machine: AllocMachine): number {
    if (!offersAll(machine, this.#functions) || !fits(machine.free, this.#cost)) return NOT_A_CANDIDATE;
    return balanceScore(machine, machine.free, this.#cost, this.#keys, this.#hasPositive);
  }

  /** The better of two positions (`left` < `right` when both are set): the higher score, the first on a tie. */
  #better(left: number, right: number): number {
    if (left < 0) return right;
    if (right < 0) return left;
    return this.#scores[right]! > this.#scores[left]! ? right : left;
  }
}

const indexes = new RequestKindIndexes<BalanceIndex>();

/**
 * `load_balanced`'s machine among `machines` (the scheduler's online machines, `onlineMachines(state)`, in name order)
 * for `cost` and `functions`, as `allocate`'s scan would choose it: null when none fits, undefined when none offers
 * the functions. O(log machines) per machine whose claims changed since this kind of request was last placed.
 */
export function chooseBalanced(state: SchedulerState, machines: readonly AllocMachine[], cost: Resources, functions: readonly string[]): AllocMachine | null | undefined {
  const index = indexes.get(state, requestKind(undefined, functions, cost, Object.keys(cost).sort()), () => new BalanceIndex(cost, functions));
  return index.choose(state, machines);
}
