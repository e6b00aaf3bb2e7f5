import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Placement } from "../dag/model.ts";
import { allocate, allocateOne } from "./allocate.ts";
import type { AllocMachine, AllocTask } from "./allocation.ts";

const KEYS = ["cpu", "memory", "slots"] as const;
const MACHINE_NAMES = ["m0", "m1", "m2", "m3"] as const;
const FUNCTIONS = ["f", "g", "h"] as const;

const resources = fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 6 }), { maxKeys: 3 });

const machines = fc.uniqueArray(
  fc.record({
    name: fc.constantFrom(...MACHINE_NAMES),
    free: resources,
    functions: fc.option(fc.uniqueArray(fc.constantFrom(...FUNCTIONS)), { nil: undefined }),
  }),
  { selector: (machine) => machine.name, maxLength: 4 },
).map((list) =>
  list.map(
    (machine): AllocMachine =>
      machine.functions === undefined
        ? { name: machine.name, free: machine.free }
        : { name: machine.name, free: machine.free, functions: new Set(machine.functions) },
  ),
);

const tasks = fc
  .array(
    fc.record({
      cost: resources,
      placement: fc.oneof(
        fc.constant<Placement>({ kind: "auto" }),
        fc.constantFrom(...MACHINE_NAMES, "unknown").map((machine): Placement => ({ kind: "pinned", machine })),
        fc.integer({ min: 0, max: 12 }).map((target): Placement => ({ kind: "collocated", with: `t${target}` })),
      ),
      functions: fc.uniqueArray(fc.constantFrom(...FUNCTIONS), { maxLength: 2 }),
    }),
    { maxLength: 12 },
  )
  .map((list) => list.map((task, i): AllocTask => ({ id: `t${i}`, ...task })));

describe("when allocating random batches", () => {
  it("never places more cost on a machine than it had free, and accounts for every task once", () => {
    fc.assert(
      fc.property(tasks, machines, fc.constantFrom("first_available", "load_balanced" as const), fc.constantFrom(undefined, "m1"), (batch, pool, strategy, localMachine) => {
        const result = allocate(batch, pool, localMachine === undefined ? { strategy } : { strategy, localMachine });
        const used = new Map<string, Record<string, number>>();
        for (const task of batch) {
          const machineName = result.placed.get(task.id);
          expect(machineName !== undefined).not.toBe(result.waiting.has(task.id));
          if (machineName === undefined) continue;
          const machine = pool.find((candidate) => candidate.name === machineName)!;
          for (const fn of task.functions ?? []) expect(machine.functions?.has(fn) ?? true).toBe(true);
          if (task.placement.kind === "pinned") expect(machineName).toBe(task.placement.machine);
          if (task.placement.kind === "collocated") expect(result.placed.get(task.placement.with)).toBe(machineName);
          const sum = used.get(machineName) ?? {};
          for (const [key, amount] of Object.entries(task.cost)) sum[key] = (sum[key] ?? 0) + amount;
          used.set(machineName, sum);
        }
        for (const [machineName, sum] of used) {
          const free = pool.find((candidate) => candidate.name === machineName)!.free;
          for (const [key, amount] of Object.entries(sum)) expect(amount).toBeLessThanOrEqual(free[key] ?? 0);
        }
      }),
    );
  });
});

describe("when the same machines come in another order", () => {
  it("places every task where it went before, and gives the same reasons to wait", () => {
    const pools = machines.chain((pool) => fc.tuple(fc.constant(pool), fc.shuffledSubarray(pool, { minLength: pool.length, maxLength: pool.length })));
    fc.assert(
      fc.property(tasks, pools, fc.constantFrom("first_available", "load_balanced" as const), fc.constantFrom(undefined, "m1"), (batch, [pool, shuffled], strategy, localMachine) => {
        const options = localMachine === undefined ? { strategy } : { strategy, localMachine };
        const inOrder = allocate(batch, pool, options);
        const reordered = allocate(batch, shuffled, options);
        expect(Object.fromEntries(reordered.placed)).toEqual(Object.fromEntries(inOrder.placed));
        expect(Object.fromEntries(reordered.waiting)).toEqual(Object.fromEntries(inOrder.waiting));
      }),
    );
  });
});

describe("when one task that is not collocated is placed alone (allocateOne)", () => {
  it("goes where the batch path puts it beside a task that takes nothing, or waits for the same reason", () => {
    const loneTask = tasks.filter((list) => list.length > 0 && list[0]!.placement.kind !== "collocated").map((list) => list[0]!);
    fc.assert(
      fc.property(loneTask, machines, fc.constantFrom("first_available", "load_balanced" as const), fc.constantFrom(undefined, "m1"), (task, pool, strategy, localMachine) => {
        const options = localMachine === undefined ? { strategy } : { strategy, localMachine };
        // A second task pinned to a machine that does not exist makes `allocate` take its batch path and takes nothing.
        const batch = allocate([task, { id: "nowhere", cost: {}, placement: { kind: "pinned", machine: "absent" } }], pool, options);
        const one = allocateOne(task, pool, options);
        expect(one.machine).toBe(batch.placed.get(task.id));
        expect(one.wait).toEqual(batch.waiting.get(task.id));
        expect(allocate([task], pool, options)).toEqual({ placed: batch.placed.has(task.id) ? new Map([[task.id, one.machine]]) : new Map(), waiting: batch.waiting.has(task.id) ? new Map([[task.id, one.wait]]) : new Map() });
      }),
    );
  });
});
