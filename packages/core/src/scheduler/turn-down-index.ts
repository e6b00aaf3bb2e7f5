import type { MachineName } from "../dag/model.ts";
import {
  byCountThenReason,
  NONE_TURNED_DOWN,
  sortedCostKeys,
  turnDownOf,
  turnedDownOf,
  type ExplainMachine,
  type ExplainRequest,
  type Tally,
  type TurnedDown,
} from "../placement/explain.ts";
import { ClaimChangeCursor, RequestKindIndexes, requestKind } from "./request-kind-index.ts";
import type { SchedulerState } from "./scheduler-state.ts";

// The "why here" explanation's count of the machines turned down, kept per kind of request rather than recounted over
// every machine at each placement: with 200 machines that count was a fifth of the server's CPU per task (profile of
// the simulator bench, 2026-12-02). Each kind keeps every known machine's turn-down (reason and short keys) and the
// tallies over them; before answering it revisits only the machines whose free capacity changed since (the ledger's
// change log) — all of them when a machine joined or changed status, or when it fell behind the log. The list it
// gives is `explainPlacement`'s for the same machines, in the same order (a property test compares them).

/** The machines' turn-downs for one kind of request (its pin, functions and cost amounts). */
class TurnDownIndex {
  readonly #request: ExplainRequest;
  readonly #costKeys: readonly string[];
  readonly #cursor = new ClaimChangeCursor();
  readonly #retally = (position: number): void => this.#retallyAt(position);
  #machines: readonly ExplainMachine[] = [];
  #positions = new Map<MachineName, number>();
  /** Per machine (by position), its tally. */
  #slots: Tally[] = [];
  /** Counts over every machine, in the order each was first made (kept at 0 when emptied). */
  #tallies: Tally[] = [];

  constructor(request: ExplainRequest, costKeys: readonly string[]) {
    this.#request = request;
    this.#costKeys = costKeys;
  }

  /** The machines other than `chosen` turned down, counted by reason and short keys, as `explainPlacement` lists them. */
  turnedDown(state: SchedulerState, machines: readonly ExplainMachine[], chosen: MachineName | null): readonly TurnedDown[] {
    this.#sync(state, machines);
    const position = chosen === null ? undefined : this.#positions.get(chosen);
    const chosenTally = position === undefined ? undefined : this.#slots[position];
    let list: TurnedDown[] | undefined;
    let tallies: Tally[] | undefined;
    for (const known of this.#tallies) {
      const count = known === chosenTally ? known.count - 1 : known.count;
      if (count <= 0) continue;
      (list ??= []).push(turnedDownOf(count === known.count ? known : { reason: known.reason, short: known.short, count }));
      (tallies ??= []).push(known);
    }
    if (list === undefined) return NONE_TURNED_DOWN;
    if (list.length === 1) return list;
    if (!hasTie(list)) return list.sort(byCountThenReason);
    // Equal counts of one reason: `explainPlacement` lists them by the first machine counted under each.
    const listed = list;
    const first = this.#firstPositions(tallies!, position);
    const order = listed.map((_, i) => i).sort((a, b) => byCountThenReason(listed[a]!, listed[b]!) || first[a]! - first[b]!);
    return order.map((i) => listed[i]!);
  }

  #sync(state: SchedulerState, machines: readonly ExplainMachine[]): void {
    if (!this.#cursor.sync(state, machines, this.#positions, this.#retally)) this.#rebuild(machines);
  }

  #retallyAt(position: number): void {
    const before = this.#slots[position]!;
    const after = this.#tallyOf(this.#machines[position]!);
    if (after === before) return;
    before.count -= 1;
    after.count += 1;
    this.#slots[position] = after;
  }

  #rebuild(machines: readonly ExplainMachine[]): void {
    this.#machines = machines;
    this.#positions = new Map();
    this.#slots = [];
    this.#tallies = [];
    for (const [position, machine] of machines.entries()) {
      this.#positions.set(machine.name, position);
      const tally = this.#tallyOf(machine);
      tally.count += 1;
      this.#slots.push(tally);
    }
  }

  /** The machine's tally (made, at 0, the first time its reason and keys come up). */
  #tallyOf(machine: ExplainMachine): Tally {
    const { reason, short } = turnDownOf(this.#request, machine, this.#costKeys);
    for (const known of this.#tallies) if (known.reason === reason && known.short === short) return known;
    const made: Tally = { reason, short, count: 0 };
    this.#tallies.push(made);
    return made;
  }

  /** For each tally, the position of the first machine counted under it (`skip`, the chosen machine, is not counted). */
  #firstPositions(tallies: readonly Tally[], skip: number | undefined): number[] {
    const first = tallies.map(() => Number.POSITIVE_INFINITY);
    for (let position = 0; position < this.#slots.length; position++) {
      if (position === skip) continue;
      const at = tallies.indexOf(this.#slots[position]!);
      if (at >= 0 && first[at] === Number.POSITIVE_INFINITY) first[at] = position;
    }
    return first;
  }
}

function hasTie(list: readonly TurnedDown[]): boolean {
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) if (list[i]!.count === list[j]!.count && list[i]!.reason === list[j]!.reason) return true;
  }
  return false;
}

const indexes = new RequestKindIndexes<TurnDownIndex>();

/**
 * The machines (of `machines`, the scheduler's known machines from `explainMachines`) other than `chosen` that turn
 * `request` down, counted as `explainPlacement` counts them, in O(machines changed since this kind of request was
 * last explained).
 */
export function indexedTurnedDown(state: SchedulerState, request: ExplainRequest, machines: readonly ExplainMachine[], chosen: MachineName | null): readonly TurnedDown[] {
  const costKeys = sortedCostKeys(request.cost);
  const index = indexes.get(state, requestKind(request.pinnedTo, request.functions, request.cost, costKeys), () => new TurnDownIndex(request, costKeys));
  return index.turnedDown(state, machines, chosen);
}
