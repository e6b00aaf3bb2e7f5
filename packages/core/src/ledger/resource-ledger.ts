import type { MachineName, Resources } from "../dag/model.ts";
import { fits, lacking } from "../placement/resources.ts";

export type ClaimResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly machine: MachineName; readonly lacks: Readonly<Record<string, number>> };

export interface Claim {
  readonly claimant: string;
  readonly machine: MachineName;
  readonly cost: Resources;
}

/** Negative or non-numeric amounts count as 0, so `used` can never go below 0. */
function sanitize(cost: Resources): Record<string, number> {
  const clean: Record<string, number> = {};
  for (const key of Object.keys(cost)) {
    const amount = cost[key]!;
    clean[key] = amount > 0 ? amount : 0;
  }
  return clean;
}

/** Whether `sanitize` would change no amount (so the cost can be read as it is). */
function isClean(cost: Resources): boolean {
  for (const key in cost) {
    const amount = cost[key]!;
    if (!(amount > 0 || amount === 0)) return false;
  }
  return true;
}

function addInto(target: Record<string, number>, cost: Resources): void {
  // for…in over own keys, not Object.keys: twice per claim, and no key array each time.
  for (const key in cost) if (Object.prototype.hasOwnProperty.call(cost, key)) target[key] = (target[key] ?? 0) + cost[key]!;
}

/** A claimant's holding on one machine. */
interface Holding {
  readonly machine: MachineName;
  readonly cost: Record<string, number>;
}

const EMPTY: Readonly<Record<string, number>> = Object.freeze({});

/** The change log's bound: past it the oldest changes are dropped at once, and a reader that missed them starts over. */
const MAX_LOGGED_CHANGES = 4096;
const OK: ClaimResult = Object.freeze({ ok: true });

/**
 * The one authoritative record of who holds what on which machine (replaces Handoff's
 * SimpleResourceTracker). Claims are all-or-nothing and belong to a claimant (an attempt, a group),
 * so releasing a claimant frees everything it holds. Unlike Handoff, re-registering a machine keeps
 * its live claims.
 *
 * @example
 * const ledger = new ResourceLedger();
 * ledger.register("m1", { cpu: 2 });
 * ledger.claim("run/a#1", "m1", { cpu: 1 }); // { ok: true }
 * ledger.release("run/a#1");
 */
export class ResourceLedger {
  readonly #capacity = new Map<MachineName, Resources>();
  readonly #used = new Map<MachineName, Record<string, number>>();
  /**
   * What each claimant holds, machine by machine. A list, not a Map: a claimant almost always holds on one machine,
   * and a Map per attempt was ~200 bytes of the scheduler's allocation per task (heap profile, 2026-12-02).
   */
  readonly #holdings = new Map<string, Holding[]>();
  /** How many claimants hold something on each machine (kept at 0, not deleted, like `#free`). */
  readonly #claimantCount = new Map<MachineName, number>();
  /**
   * `available()` per machine, computed on demand and dropped (set to undefined, not deleted: a Map whose entry
   * comes and goes at every claim reallocates its table each time, measured ~1 µs) when the machine's claims change.
   */
  readonly #free = new Map<MachineName, Readonly<Record<string, number>> | undefined>();
  /**
   * The machines whose free capacity changed, one entry per change, so a reader that keeps something derived from
   * every machine's free capacity (the placement explanations' tallies) revisits only those: change `n` is
   * `#changes[n - #changesBase]`. Bounded by `MAX_LOGGED_CHANGES`.
   */
  #changes: MachineName[] = [];
  #changesBase = 0;

  /** How many changes of a machine's free capacity (or capacity) there have been: the next change's number. */
  get changeCount(): number {
    return this.#changesBase + this.#changes.length;
  }

  /** The machine of change number `n`; undefined once the bounded log dropped it (or before it happened). */
  changedMachine(n: number): MachineName | undefined {
    return this.#changes[n - this.#changesBase];
  }

  /** The number of the oldest change still logged (a reader behind it reads every machine again). */
  get oldestLoggedChange(): number {
    return this.#changesBase;
  }

  #changed(machine: MachineName): void {
    if (this.#changes.length >= MAX_LOGGED_CHANGES) {
      this.#changesBase += this.#changes.length;
      this.#changes = [];
    }
    this.#changes.push(machine);
  }

  /** Sets the machine's TOTAL capacity; claims already held on it stay. */
  register(machine: MachineName, capacity: Resources): void {
    this.#capacity.set(machine, { ...capacity });
    this.#free.set(machine, undefined);
    this.#changed(machine);
  }

  /** Forgets the machine's capacity (no new claims); claims on it stay until their claimants release. */
  remove(machine: MachineName): void {
    this.#capacity.delete(machine);
    this.#free.delete(machine);
    this.#changed(machine);
    if ((this.#claimantCount.get(machine) ?? 0) > 0) return;
    this.#claimantCount.delete(machine);
    this.#used.delete(machine);
  }

  has(machine: MachineName): boolean {
    return this.#capacity.has(machine);
  }

  /** Total capacity, `{}` if unknown. */
  capacity(machine: MachineName): Resources {
    return this.#capacity.get(machine) ?? {};
  }

  used(machine: MachineName): Resources {
    return { ...(this.#used.get(machine) ?? {}) };
  }

  /** Total − used per key, never below 0; `{}` for an unknown machine. */
  available(machine: MachineName): Record<string, number> {
    return { ...this.freeView(machine) };
  }

  /**
   * `available()` without the copy, for the scheduler's hot path (it asks for every eligible machine
   * at every decision): frozen, and replaced by a new object when the machine's claims change.
   */
  freeView(machine: MachineName): Readonly<Record<string, number>> {
    const known = this.#free.get(machine);
    if (known !== undefined) return known;
    const capacity = this.#capacity.get(machine);
    if (capacity === undefined) return EMPTY;
    const used = this.#used.get(machine) ?? {};
    const free: Record<string, number> = {};
    // for…in over own keys, not Object.keys: this runs after every claim and release, and builds no key arrays.
    for (const key in capacity) if (Object.prototype.hasOwnProperty.call(capacity, key)) free[key] = Math.max(0, capacity[key]! - (used[key] ?? 0));
    for (const key in used) if (Object.prototype.hasOwnProperty.call(used, key) && !(key in free)) free[key] = 0;
    Object.freeze(free);
    this.#free.set(machine, free);
    return free;
  }

  /** False for an unknown machine; an empty request is available on any known machine. */
  isAvailable(machine: MachineName, request: Resources): boolean {
    return this.#capacity.has(machine) && fits(this.freeView(machine), request);
  }

  /** All-or-nothing claim; a claimant claiming twice on one machine accumulates. */
  claim(claimant: string, machine: MachineName, cost: Resources): ClaimResult {
    return this.#claimOne(claimant, machine, cost);
  }

  /** Atomic: every claim succeeds (checked cumulatively per machine) or none is recorded. */
  claimMany(requested: readonly Claim[]): ClaimResult {
    if (requested.length === 1) return this.#claimOne(requested[0]!.claimant, requested[0]!.machine, requested[0]!.cost);
    const claims = requested.map((claim): Claim => ({ claimant: claim.claimant, machine: claim.machine, cost: sanitize(claim.cost) }));
    const pending = new Map<MachineName, Record<string, number>>();
    for (const claim of claims) {
      if (!this.#capacity.has(claim.machine)) return { ok: false, machine: claim.machine, lacks: lacking({}, claim.cost) };
      let total = pending.get(claim.machine);
      if (total === undefined) {
        total = {};
        pending.set(claim.machine, total);
      }
      addInto(total, claim.cost);
      const free = this.freeView(claim.machine);
      if (!fits(free, total)) return { ok: false, machine: claim.machine, lacks: lacking(free, total) };
    }
    for (const claim of claims) this.#record(claim.claimant, claim.machine, claim.cost);
    return OK;
  }

  /** `claimMany` of one claim (the scheduler's usual one), without its copies. */
  #claimOne(claimant: string, machine: MachineName, requested: Resources): ClaimResult {
    const cost = isClean(requested) ? requested : sanitize(requested);
    if (!this.#capacity.has(machine)) return { ok: false, machine, lacks: lacking({}, cost) };
    const free = this.freeView(machine);
    if (!fits(free, cost)) return { ok: false, machine, lacks: lacking(free, cost) };
    this.#record(claimant, machine, cost);
    return OK;
  }

  /** Releases everything the claimant holds, on every machine; releasing twice is harmless. */
  release(claimant: string): void {
    const held = this.#holdings.get(claimant);
    if (held === undefined) return;
    this.#holdings.delete(claimant);
    for (const { machine, cost } of held) {
      this.#free.set(machine, undefined);
      this.#changed(machine);
      const claimants = (this.#claimantCount.get(machine) ?? 1) - 1;
      this.#claimantCount.set(machine, claimants);
      if (claimants <= 0) {
        // Reset exactly, so rounding in fractional amounts never leaves a ghost claim. The entries stay (empty):
        // the machine's next claim reuses them rather than growing the maps again.
        this.#used.set(machine, {});
        continue;
      }
      const used = this.#used.get(machine) ?? {};
      // for…in over own keys, not Object.keys: a key array per release while other claimants hold on the machine.
      for (const key in cost) if (Object.prototype.hasOwnProperty.call(cost, key)) used[key] = Math.max(0, (used[key] ?? 0) - cost[key]!);
    }
  }

  claimants(): string[] {
    return [...this.#holdings.keys()];
  }

  holdings(claimant: string): ReadonlyMap<MachineName, Resources> {
    const held = this.#holdings.get(claimant);
    const copy = new Map<MachineName, Resources>();
    if (held !== undefined) for (const { machine, cost } of held) copy.set(machine, { ...cost });
    return copy;
  }

  /** Sum of every used amount over all machines and keys: 0 exactly when nothing is claimed. */
  totalUsed(): number {
    let total = 0;
    for (const used of this.#used.values()) for (const amount of Object.values(used)) total += amount;
    return total;
  }

  /** `cost` must be sanitized; it is copied, never kept. */
  #record(claimant: string, machine: MachineName, cost: Resources): void {
    const held = this.#holdings.get(claimant);
    let onMachine: Record<string, number> | undefined;
    if (held !== undefined) for (const holding of held) if (holding.machine === machine) onMachine = holding.cost;
    if (onMachine === undefined) {
      onMachine = {};
      // A one-element literal is allocated at its size (a push onto [] would reserve room for 17).
      if (held === undefined) this.#holdings.set(claimant, [{ machine, cost: onMachine }]);
      else held.push({ machine, cost: onMachine });
      this.#claimantCount.set(machine, (this.#claimantCount.get(machine) ?? 0) + 1);
    }
    addInto(onMachine, cost);
    let used = this.#used.get(machine);
    if (used === undefined) {
      used = {};
      this.#used.set(machine, used);
    }
    addInto(used, cost);
    this.#free.set(machine, undefined);
    this.#changed(machine);
  }
}
