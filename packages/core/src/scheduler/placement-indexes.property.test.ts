import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocate } from "../placement/allocate.ts";
import { offersAll } from "../placement/allocation.ts";
import { explainPlacement, type ExplainRequest } from "../placement/explain.ts";
import { chooseBalanced } from "./balance-index.ts";
import { decide } from "./decide.ts";
import { explainMachines, onlineMachines } from "./explain-attempt.ts";
import { createSchedulerState, type SchedulerState } from "./scheduler-state.ts";
import { indexedTurnedDown } from "./turn-down-index.ts";

// Reproduce a failure with FC_SEED=<printed seed>; FC_NUM_RUNS sets how many scenarios are played.
// (core has no Node types: the environment and the console are reached through globalThis.)
const host = globalThis as unknown as { process?: { env: Record<string, string | undefined> }; console: { log(message: string): void } };
const env = host.process?.env ?? {};
const seed = env["FC_SEED"] === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(env["FC_SEED"]);
const numRuns = env["FC_NUM_RUNS"] === undefined ? 600 : Number(env["FC_NUM_RUNS"]);
host.console.log(`placement index properties: FC_SEED=${seed} FC_NUM_RUNS=${numRuns}`);

const NAMES = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"] as const;
const KEYS = ["cpu", "memory", "slots"] as const;
const FUNCTIONS = ["f", "g"] as const;
const small = fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 3 }), { maxKeys: 3 });

const request: fc.Arbitrary<ExplainRequest> = fc
  .record({ cost: small, functions: fc.uniqueArray(fc.constantFrom(...FUNCTIONS)), pinnedTo: fc.option(fc.constantFrom("m0", "m1", "m9"), { nil: undefined }) })
  .map(({ cost, functions, pinnedTo }) => (pinnedTo === undefined ? { cost, functions } : { cost, functions, pinnedTo }));

const machine = fc.record({
  capacity: fc.record({ cpu: fc.integer({ min: 0, max: 4 }), memory: fc.integer({ min: 0, max: 4 }), slots: fc.integer({ min: 1, max: 3 }) }),
  functions: fc.uniqueArray(fc.constantFrom(...FUNCTIONS)),
});

/** What happens to the cluster between two explanations: the events that change a machine's turn-down. */
type Step =
  | { readonly kind: "join"; readonly name: string; readonly capacity: Record<string, number>; readonly functions: string[] }
  | { readonly kind: "status"; readonly name: string; readonly status: "online" | "draining" | "offline" }
  | { readonly kind: "claim"; readonly name: string; readonly claimant: number; readonly cost: Record<string, number> }
  | { readonly kind: "release"; readonly claimant: number }
  | { readonly kind: "explain"; readonly request: number; readonly chosen: string | null };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("join" as const), name: fc.constantFrom(...NAMES), capacity: small, functions: fc.uniqueArray(fc.constantFrom(...FUNCTIONS)) }),
  fc.record({ kind: fc.constant("status" as const), name: fc.constantFrom(...NAMES), status: fc.constantFrom("online" as const, "draining" as const, "offline" as const) }),
  fc.record({ kind: fc.constant("claim" as const), name: fc.constantFrom(...NAMES), claimant: fc.integer({ min: 0, max: 5 }), cost: small }),
  fc.record({ kind: fc.constant("claim" as const), name: fc.constantFrom(...NAMES), claimant: fc.integer({ min: 0, max: 5 }), cost: small }),
  fc.record({ kind: fc.constant("release" as const), claimant: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant("explain" as const), request: fc.nat(), chosen: fc.option(fc.constantFrom(...NAMES), { nil: null }) }),
  fc.record({ kind: fc.constant("explain" as const), request: fc.nat(), chosen: fc.option(fc.constantFrom(...NAMES), { nil: null }) }),
);

/** Plays the steps on a fresh scheduler state; at each "explain" step, `check` compares an index with its scan. */
function play(machines: readonly { capacity: Record<string, number>; functions: string[] }[], steps: readonly Step[], check: (state: SchedulerState, at: number, chosen: string | null) => void): void {
  const state = createSchedulerState();
  // Most machines there from the start, so most claims land (joins and status changes come later too).
  for (const [i, joined] of machines.entries()) decide(state, { type: "machine_joined", now: 0, machine: { name: NAMES[i]!, ...joined } });
  for (const current of steps) {
    if (current.kind === "join") {
      decide(state, { type: "machine_joined", now: 0, machine: { name: current.name, capacity: current.capacity, functions: current.functions } });
    } else if (current.kind === "status") {
      if (state.machines.has(current.name)) decide(state, { type: "machine_status_changed", now: 0, name: current.name, status: current.status });
    } else if (current.kind === "claim") {
      state.ledger.claim(`c${current.claimant}`, current.name, current.cost);
    } else if (current.kind === "release") {
      state.ledger.release(`c${current.claimant}`);
    } else {
      check(state, current.request, current.chosen);
    }
  }
}

// A few requests per scenario, asked again and again: each index is revisited after the steps between.
const requests = fc.array(request, { minLength: 1, maxLength: 3 });
const scenarioMachines = fc.array(machine, { minLength: 1, maxLength: NAMES.length });
const steps = fc.array(step, { minLength: 20, maxLength: 80 });

describe("the placement indexes (properties)", () => {
  it("the turn-down index counts the machines turned down exactly as explainPlacement does, in the same order, after any order of joins, status changes, claims and releases", () => {
    fc.assert(
      fc.property(requests, scenarioMachines, steps, (asks, machines, played) => {
        play(machines, played, (state, at, chosen) => {
          const asked = asks[at % asks.length]!;
          const known = explainMachines(state);
          const expected = explainPlacement(asked, known, chosen, { strategy: "first_available" }).turnedDown;
          expect(indexedTurnedDown(state, asked, known, chosen)).toEqual(expected);
        });
      }),
      { seed, numRuns },
    );
  });

  it("the balance index chooses the machine allocate's load_balanced scan chooses (null when none fits, undefined when none offers the functions)", () => {
    fc.assert(
      fc.property(requests, scenarioMachines, steps, (asks, machines, played) => {
        play(machines, played, (state, at) => {
          const asked = asks[at % asks.length]!;
          const online = onlineMachines(state);
          const scanned = allocate([{ id: "t", cost: asked.cost, placement: { kind: "auto" }, functions: asked.functions }], online, { strategy: "load_balanced" });
          const chosen = chooseBalanced(state, online, asked.cost, asked.functions);
          const isOffered = online.some((candidate) => offersAll(candidate, asked.functions));
          expect(chosen === undefined ? undefined : (chosen?.name ?? null)).toEqual(scanned.placed.get("t") ?? (isOffered ? null : undefined));
        });
      }),
      { seed, numRuns },
    );
  });
});
