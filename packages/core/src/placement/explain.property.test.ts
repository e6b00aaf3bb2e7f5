import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TaskSpec } from "../dag/model.ts";
import { SchedulerDriver } from "../scheduler/test-driver.ts";
import { allocate } from "./allocate.ts";
import type { AllocMachine } from "./allocation.ts";
import { explainPlacement, TurnDown, type ExplainMachine } from "./explain.ts";

// Reproduce a failure with FC_SEED=<printed seed>; FC_NUM_RUNS sets how many scenarios are played.
// (core has no Node types: the environment and the console are reached through globalThis.)
const host = globalThis as unknown as { process?: { env: Record<string, string | undefined> }; console: { log(message: string): void } };
const env = host.process?.env ?? {};
const seed = env["FC_SEED"] === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(env["FC_SEED"]);
const numRuns = env["FC_NUM_RUNS"] === undefined ? 300 : Number(env["FC_NUM_RUNS"]);
host.console.log(`explain properties: FC_SEED=${seed} FC_NUM_RUNS=${numRuns}`);

const KEYS = ["cpu", "memory", "slots"] as const;
const FUNCTIONS = ["f", "g"] as const;
const resources = fc.dictionary(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 4 }), { maxKeys: 3 });

const machines = fc
  .uniqueArray(
    fc.record({
      name: fc.constantFrom("m0", "m1", "m2", "m3", "m4", "m5"),
      status: fc.constantFrom("online", "online", "draining", "offline"),
      free: resources,
      extra: resources,
      functions: fc.option(fc.uniqueArray(fc.constantFrom(...FUNCTIONS)), { nil: undefined }),
    }),
    { selector: (machine) => machine.name, maxLength: 6 },
  )
  .map((list) =>
    list.map((machine): ExplainMachine => {
      const total: Record<string, number> = { ...machine.free };
      for (const [key, amount] of Object.entries(machine.extra)) total[key] = (total[key] ?? 0) + amount;
      return {
        name: machine.name,
        status: machine.status,
        free: machine.free,
        total,
        ...(machine.functions === undefined ? {} : { functions: new Set(machine.functions) }),
      };
    }),
  );

const request = fc.record({
  cost: resources,
  functions: fc.uniqueArray(fc.constantFrom(...FUNCTIONS)),
  pinnedTo: fc.option(fc.constantFrom("m0", "m1", "m9"), { nil: undefined }),
  strategy: fc.constantFrom("first_available" as const, "load_balanced" as const),
});

describe("placement explanations (properties)", () => {
  it("name allocate's machine, count every other machine once, and agree with allocate on who could take it", () => {
    fc.assert(
      fc.property(machines, request, (list, req) => {
        const online: AllocMachine[] = list.filter((m) => m.status === "online");
        const placement = req.pinnedTo === undefined ? ({ kind: "auto" } as const) : ({ kind: "pinned", machine: req.pinnedTo } as const);
        const allocation = allocate([{ id: "t", cost: req.cost, placement, functions: req.functions }], online, { strategy: req.strategy });
        const chosen = allocation.placed.get("t") ?? null;
        const explanation = explainPlacement(
          { cost: req.cost, functions: req.functions, ...(req.pinnedTo === undefined ? {} : { pinnedTo: req.pinnedTo }) },
          list,
          chosen,
          { strategy: req.strategy },
        );
        expect(explanation.machine).toBe(chosen);
        const counted = explanation.turnedDown.reduce((sum, entry) => sum + entry.count, 0);
        expect(counted).toBe(list.length - (chosen === null ? 0 : 1));
        // A task left waiting had no machine with room: none of them is "ranked lower".
        if (chosen === null) expect(explanation.turnedDown.some((entry) => entry.reason === TurnDown.RankedLower)).toBe(false);
      }),
      { seed, numRuns },
    );
  });

  it("in the scheduler, every attempt's recorded machine is the one it was assigned, with the others all counted", () => {
    const scenario = fc.record({
      machines: fc.array(fc.record({ slots: fc.integer({ min: 1, max: 3 }), fns: fc.constantFrom(["f"], ["f", "g"], ["g"]) }), { minLength: 1, maxLength: 5 }),
      draining: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      tasks: fc.array(fc.record({ fn: fc.constantFrom("f", "g"), dep: fc.option(fc.nat(), { nil: undefined }) }), { minLength: 1, maxLength: 12 }),
      strategy: fc.constantFrom("first_available" as const, "load_balanced" as const),
    });
    fc.assert(
      fc.property(scenario, (s) => {
        const driver = new SchedulerDriver();
        s.machines.forEach((m, i) => driver.machine(`m${i}`, { slots: m.slots }, m.fns));
        s.machines.forEach((_, i) => {
          if (s.draining[i] === true && i > 0) driver.send({ type: "machine_status_changed", now: 0, name: `m${i}`, status: "draining" });
        });
        const tasks: TaskSpec[] = s.tasks.map((t, i) => ({ id: `t${i}`, fn: t.fn, ...(t.dep !== undefined && i > 0 ? { args: [`t${t.dep % i}`] } : {}) }));
        driver.submit("r", tasks, { strategy: s.strategy });
        // Finish attempts one by one so every task gets its turn at placement.
        for (let step = 0; step < 40 && driver.running().length > 0; step++) driver.succeed(driver.running()[0]!.taskId);
        for (const command of driver.log) {
          if (command.type === "assign_task") {
            expect(command.placement?.machine).toBe(command.machine);
            expect(command.placement?.turnedDown.reduce((sum, e) => sum + e.count, 0)).toBe(s.machines.length - 1);
          }
          if (command.type === "task_changed" && command.change.placement !== undefined && command.change.state === "waiting_for_resources") {
            expect(command.change.placement.machine).toBeNull();
            expect(command.change.placement.turnedDown.reduce((sum, e) => sum + e.count, 0)).toBe(s.machines.length);
          }
        }
      }),
      { seed, numRuns: Math.max(1, Math.floor(numRuns / 3)) },
    );
  });
});
