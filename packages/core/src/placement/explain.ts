import type { MachineName, Resources, Strategy, TaskId } from "../dag/model.ts";
import { lacking } from "./resources.ts";

// Why a task went where it went, or why it waits: one explanation for the scheduler (per placement attempt), the
// editor's preview and the on-demand query. Counts, not lists: the full candidate list is `classifyCandidates`.

/** A machine as the explanation sees it: any status, its free and total capacity, what it offers. */
export interface ExplainMachine {
  readonly name: MachineName;
  readonly status: "online" | "draining" | "offline";
  readonly free: Resources;
  readonly total?: Resources;
  /** Offered functions; `undefined` offers everything. */
  readonly functions?: ReadonlySet<string>;
}

/** What was (or would be) placed: the claimed cost, where it must go, what it calls. */
export interface ExplainRequest {
  readonly cost: Resources;
  /** The machine it is pinned to (its own pin, or its collocation group's machine). */
  readonly pinnedTo?: MachineName;
  /** Set when the pin is its collocation group's: the task it follows. */
  readonly collocatedWith?: TaskId;
  readonly functions: readonly string[];
}

export interface ExplainOptions {
  readonly strategy: Strategy;
  readonly localMachine?: MachineName;
  /** Input bytes already on each machine (results of its producers held there), when known. */
  readonly inputBytes?: { readonly total: number; readonly on: (machine: MachineName) => number };
}

/** Why a machine was turned down, as an `as const` enumeration. */
export const TurnDown = {
  Offline: "offline",
  Draining: "draining",
  PinnedElsewhere: "pinned_elsewhere",
  FunctionNotOffered: "function_not_offered",
  /** Its total capacity is below the cost: it could never take the task. */
  TooSmall: "too_small",
  /** Busy: its free capacity is below the cost now. */
  Lacks: "lacks",
  /** It had room, but the strategy preferred another machine. */
  RankedLower: "ranked_lower",
} as const;
export type TurnDown = (typeof TurnDown)[keyof typeof TurnDown];

/** One reason with how many machines it turned down; `resources` names what they lack (Lacks, TooSmall). */
export interface TurnedDown {
  readonly reason: TurnDown;
  readonly resources?: readonly string[];
  readonly count: number;
}

/** The rule that chose the machine. */
export type PlacementRule = "pinned" | "collocated" | "local_first" | "first_fit" | "most_free";

/** A placement decision, compactly: the machine (null: it waits), the rule, and the machines turned down, counted. */
export interface PlacementExplanation {
  readonly machine: MachineName | null;
  readonly rule?: PlacementRule;
  /** What the attempt claims. */
  readonly cost: Resources;
  /** Bytes of the task's inputs already on the chosen machine, and in all (when the sizes are known). */
  readonly inputBytes?: { readonly here: number; readonly total: number };
  readonly turnedDown: readonly TurnedDown[];
  /** One line: why here, or what it waits for. */
  readonly summary: string;
}

/** One machine's verdict, for the on-demand candidate list. */
export interface CandidateVerdict {
  readonly machine: MachineName;
  readonly status: ExplainMachine["status"];
  readonly verdict: TurnDown | "chosen";
  /** What it lacks (Lacks: against free capacity; TooSmall: against total). */
  readonly lacks?: Readonly<Record<string, number>>;
}

function offersAll(machine: ExplainMachine, functions: readonly string[]): boolean {
  if (machine.functions === undefined) return true;
  for (const fn of functions) if (!machine.functions.has(fn)) return false;
  return true;
}

/**
 * Why one machine other than `chosen` did not take the request. The order is the order of the questions a person
 * asks: is it there, may it take work, is it the one the task must go to, can it run the code, could it ever hold
 * the cost, does it have room now — and if all yes, the strategy preferred another.
 */
export function classifyMachine(request: ExplainRequest, machine: ExplainMachine): { readonly verdict: TurnDown; readonly lacks?: Readonly<Record<string, number>> } {
  const verdict = verdictOf(request, machine, Object.keys(request.cost));
  if (verdict === TurnDown.TooSmall) return { verdict, lacks: lacking(machine.total ?? {}, request.cost) };
  if (verdict === TurnDown.Lacks) return { verdict, lacks: lacking(machine.free, request.cost) };
  return { verdict };
}

/** `classifyMachine`'s verdict without allocating (the scheduler's path). Free capacity is checked before total: free ≤ total. */
function verdictOf(request: ExplainRequest, machine: ExplainMachine, costKeys: readonly string[]): TurnDown {
  if (request.pinnedTo !== undefined && machine.name !== request.pinnedTo) return TurnDown.PinnedElsewhere;
  if (machine.status === "offline") return TurnDown.Offline;
  if (machine.status === "draining") return TurnDown.Draining;
  if (!offersAll(machine, request.functions)) return TurnDown.FunctionNotOffered;
  if (shortKeys(machine.free, request.cost, costKeys) === "") return TurnDown.RankedLower;
  return machine.total !== undefined && shortKeys(machine.total, request.cost, costKeys) !== "" ? TurnDown.TooSmall : TurnDown.Lacks;
}

/** The cost keys `capacity` is short of, joined by commas (in `costKeys`' order); "" when it fits. */
function shortKeys(capacity: Resources, cost: Resources, costKeys: readonly string[]): string {
  let short = "";
  for (const key of costKeys) {
    if ((capacity[key] ?? 0) < (cost[key] ?? 0)) short = short === "" ? key : `${short},${key}`;
  }
  return short;
}

/** Every machine with its verdict (the on-demand query for one task; never stored). */
export function classifyCandidates(request: ExplainRequest, machines: Iterable<ExplainMachine>, chosen: MachineName | null): CandidateVerdict[] {
  const list: CandidateVerdict[] = [];
  for (const machine of machines) {
    if (machine.name === chosen) list.push({ machine: machine.name, status: machine.status, verdict: "chosen" });
    else list.push({ machine: machine.name, status: machine.status, ...classifyMachine(request, machine) });
  }
  return list.sort((a, b) => (a.machine < b.machine ? -1 : a.machine > b.machine ? 1 : 0));
}

/**
 * Explains a placement decision made by `allocate` (or the lack of one): `chosen` is the machine it picked, null
 * when the task waits. Every other machine is counted under the first reason that turned it down, so the counts
 * sum to the machines turned down. O(machines) per call: the scheduler calls it once per placement attempt.
 * @example
 * explainPlacement({ cost: { cpu: 2, slots: 1 }, functions: ["f"] }, machines, "m2", { strategy: "first_available" })
 * // { machine: "m2", rule: "first_fit", turnedDown: [{ reason: "lacks", resources: ["cpu"], count: 3 }], … }
 */
export function explainPlacement(
  request: ExplainRequest,
  machines: Iterable<ExplainMachine>,
  chosen: MachineName | null,
  options: ExplainOptions,
): PlacementExplanation {
  // Sorted once, so every machine's short keys come in one order and group together.
  const costKeys = sortedCostKeys(request.cost);
  // Made when a machine is turned down: with one machine, the chosen one, there is none.
  let tallies: Tally[] | undefined;
  for (const machine of machines) {
    if (machine.name === chosen) continue;
    const verdict = verdictOf(request, machine, costKeys);
    tally((tallies ??= []), verdict, shortOf(request, machine, costKeys, verdict));
  }
  return explanationOf(request, tallies === undefined ? NONE_TURNED_DOWN : tallies.map(turnedDownOf).sort(byCountThenReason), chosen, options);
}

/** The cost's keys in one order (sorted), so the short keys of every machine come alike. */
export function sortedCostKeys(cost: Resources): string[] {
  const costKeys = Object.keys(cost);
  if (costKeys.length > 1) costKeys.sort();
  return costKeys;
}

/** Why `machine` turns the request down, and the keys it is short of (Lacks: free; TooSmall: total; else ""). */
export function turnDownOf(request: ExplainRequest, machine: ExplainMachine, costKeys: readonly string[]): { readonly reason: TurnDown; readonly short: string } {
  const reason = verdictOf(request, machine, costKeys);
  return { reason, short: shortOf(request, machine, costKeys, reason) };
}

function shortOf(request: ExplainRequest, machine: ExplainMachine, costKeys: readonly string[], verdict: TurnDown): string {
  return verdict === TurnDown.TooSmall ? shortKeys(machine.total ?? {}, request.cost, costKeys) : verdict === TurnDown.Lacks ? shortKeys(machine.free, request.cost, costKeys) : "";
}

/**
 * The order of the turned-down list: most machines first, then by reason; a stable sort keeps the tallies' first-seen
 * order (the machines' order) among equals.
 */
export const byCountThenReason = (a: TurnedDown, b: TurnedDown): number => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0);

/** The explanation of a decision from its turned-down list (sorted by `byCountThenReason`). */
export function explanationOf(request: ExplainRequest, turnedDown: readonly TurnedDown[], chosen: MachineName | null, options: ExplainOptions): PlacementExplanation {
  const inputBytes = options.inputBytes === undefined || chosen === null ? undefined : { here: options.inputBytes.on(chosen), total: options.inputBytes.total };
  if (chosen === null) return { machine: null, cost: request.cost, turnedDown, summary: waitingSummary(turnedDown) };
  const rule = ruleOf(request, chosen, options);
  const summary = placedSummary(chosen, rule, turnedDown, inputBytes);
  return inputBytes === undefined
    ? { machine: chosen, rule, cost: request.cost, turnedDown, summary }
    : { machine: chosen, rule, cost: request.cost, inputBytes, turnedDown, summary };
}

/** Machines turned down for one reason (and, for lacks / too small, the same keys short), in first-seen order. */
export interface Tally {
  readonly reason: TurnDown;
  readonly short: string;
  count: number;
}

/**
 * Counts one machine under its reason: a scan of the few tallies rather than a map keyed by `reason:keys`, a new
 * string per machine turned down at every placement.
 */
function tally(tallies: Tally[], reason: TurnDown, short: string): void {
  for (const known of tallies) {
    if (known.reason === reason && known.short === short) {
      known.count += 1;
      return;
    }
  }
  tallies.push({ reason, short, count: 1 });
}

/** A tally as the explanation lists it. */
export function turnedDownOf({ reason, short, count }: Tally): TurnedDown {
  return short === "" ? { reason, count } : { reason, resources: short.split(","), count };
}

function ruleOf(request: ExplainRequest, chosen: MachineName, options: ExplainOptions): PlacementRule {
  if (request.collocatedWith !== undefined) return "collocated";
  if (request.pinnedTo !== undefined) return "pinned";
  if (options.strategy === "load_balanced") return "most_free";
  return chosen === options.localMachine ? "local_first" : "first_fit";
}

const RULE_WORDS: Record<PlacementRule, string> = {
  pinned: "pinned there",
  collocated: "its collocation group is there",
  local_first: "the local machine comes first",
  first_fit: "first machine with room (the last one used goes first, then by name)",
  most_free: "most capacity left free after it (load_balanced)",
};

/** `lacks cpu ×3` and the like, most frequent first. */
export function describeTurnedDown(turnedDown: readonly TurnedDown[]): string {
  return turnedDown
    .map((entry) => {
      const what = entry.reason === TurnDown.Lacks ? `lacks ${entry.resources?.join(", ") ?? ""}` : entry.reason === TurnDown.TooSmall ? `too small for ${entry.resources?.join(", ") ?? ""}` : entry.reason.replaceAll("_", " ");
      return `${what} ×${entry.count}`;
    })
    .join(", ");
}

/** The shared empty list of a placement that turned no machine down. */
export const NONE_TURNED_DOWN: readonly TurnedDown[] = Object.freeze([]);

/**
 * The summary of a placement where no machine was turned down and no input bytes are known, by rule and machine: the
 * same few strings at every decision of a small cluster, built once each (bounded: cleared past `MAX_PLAIN_SUMMARIES`).
 */
const plainSummaries = new Map<PlacementRule, Map<MachineName, string>>();
const MAX_PLAIN_SUMMARIES = 1024;

function placedSummary(chosen: MachineName, rule: PlacementRule, turnedDown: readonly TurnedDown[], inputBytes: { here: number; total: number } | undefined): string {
  if (turnedDown.length === 0 && (inputBytes === undefined || inputBytes.total === 0)) {
    let byMachine = plainSummaries.get(rule);
    if (byMachine === undefined) plainSummaries.set(rule, (byMachine = new Map<MachineName, string>()));
    let summary = byMachine.get(chosen);
    if (summary === undefined) {
      if (byMachine.size >= MAX_PLAIN_SUMMARIES) byMachine.clear();
      summary = `on "${chosen}": ${RULE_WORDS[rule]}`;
      byMachine.set(chosen, summary);
    }
    return summary;
  }
  const bytes = inputBytes !== undefined && inputBytes.total > 0 ? `; ${inputBytes.here} of ${inputBytes.total} input bytes already there` : "";
  const others = turnedDown.length > 0 ? `; turned down: ${describeTurnedDown(turnedDown)}` : "";
  return `on "${chosen}": ${RULE_WORDS[rule]}${bytes}${others}`;
}

function waitingSummary(turnedDown: readonly TurnedDown[]): string {
  if (turnedDown.length === 0) return "waits: no machine is known";
  const busy = turnedDown.filter((entry) => entry.reason === TurnDown.Lacks);
  const head = busy.length > 0
    ? `waits for free capacity (${[...new Set(busy.flatMap((entry) => entry.resources ?? []))].join(", ")})`
    : "waits for a machine that can take it";
  return `${head}; turned down: ${describeTurnedDown(turnedDown)}`;
}
