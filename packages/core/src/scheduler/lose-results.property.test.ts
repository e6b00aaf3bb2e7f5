import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TaskSpec } from "../dag/model.ts";
import { SchedulerDriver } from "./test-driver.ts";

// Reproduce a failure with FC_SEED=<printed seed>; FC_NUM_RUNS sets how many scenarios are played.
// (core has no Node types: the environment and the console are reached through globalThis.)
const host = globalThis as unknown as { process?: { env: Record<string, string | undefined> }; console: { log(message: string): void } };
const env = host.process?.env ?? {};
const seed = env["FC_SEED"] === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(env["FC_SEED"]);
const numRuns = env["FC_NUM_RUNS"] === undefined ? 200 : Number(env["FC_NUM_RUNS"]);
host.console.log(`lose-results properties: FC_SEED=${seed} FC_NUM_RUNS=${numRuns}`);

interface Scenario {
  readonly tasks: TaskSpec[];
  readonly machines: number;
  /** One choice per step: what happens next (report, lose a machine, bring one back). */
  readonly choices: number[];
}

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    size: fc.integer({ min: 1, max: 20 }),
    machines: fc.integer({ min: 2, max: 3 }),
    edges: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 400, maxLength: 400 }),
    choices: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 300, maxLength: 300 }),
  })
  .map(({ size, machines, edges, choices }) => {
    const tasks: TaskSpec[] = [];
    let e = 0;
    for (let i = 0; i < size; i++) {
      const args: string[] = [];
      for (let j = 0; j < i; j++) if ((edges[e++ % edges.length] ?? 0) < 0.2) args.push(`t${j}`);
      tasks.push({ id: `t${i}`, fn: "f", args, cost: { cpu: 1 } });
    }
    return { tasks, machines, choices };
  });

/** Plays a scenario where machines go offline (at most all but one at a time) and come back, between reports. */
function play(s: Scenario): { driver: SchedulerDriver; violations: string[] } {
  const driver = new SchedulerDriver({ localMachine: "m0" });
  const names = Array.from({ length: s.machines }, (_, i) => `m${i}`);
  for (const name of names) driver.machine(name, { cpu: 2, slots: 2 }, ["f"]);
  driver.submit("r", s.tasks, { maxRetries: 0 });
  const online = new Set(names);
  // Where each task's current result lives, and the step it was produced at.
  const holder = new Map<string, { machine: string; step: number }>();
  const lostAt = new Map<string, number[]>();
  const violations: string[] = [];
  for (let step = 0; step < 5_000 && !driver.outcome("r"); step++) {
    const choice = s.choices[step % s.choices.length]!;
    driver.now += 1;
    if (choice < 0.1 && online.size > 1) {
      const name = [...online][step % online.size]!;
      online.delete(name);
      lostAt.set(name, [...(lostAt.get(name) ?? []), step]);
      driver.send({ type: "machine_status_changed", now: driver.now, name, status: "offline" });
      continue;
    }
    if (choice < 0.2 && online.size < names.length) {
      const name = names.find((candidate) => !online.has(candidate))!;
      online.add(name);
      driver.send({ type: "machine_status_changed", now: driver.now, name, status: "online" });
      continue;
    }
    const running = driver.running();
    if (running.length === 0) {
      violations.push("nothing running and no outcome: the run hangs");
      break;
    }
    const pick = running[Math.floor(choice * running.length) % running.length]!;
    driver.succeed(pick.taskId);
    holder.set(pick.taskId, { machine: pick.machine, step });
  }
  const outcome = driver.outcome("r");
  if (outcome?.status === "succeeded") {
    const consumed = new Set(s.tasks.flatMap((task) => (task.args ?? []).map((arg) => (typeof arg === "string" ? arg : arg.from))));
    for (const task of s.tasks) {
      if (consumed.has(task.id)) continue;
      const held = holder.get(task.id);
      if (!held) violations.push(`sink ${task.id} succeeded with no result`);
      else if ((lostAt.get(held.machine) ?? []).some((at) => at > held.step)) {
        violations.push(`the run succeeded but sink ${task.id} was on ${held.machine}, which went offline after producing it`);
      }
    }
  }
  return { driver, violations };
}

describe("scheduler properties when machines come and go", () => {
  it("never reports a run succeeded with an output lost with its machine, and never hangs", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { driver, violations } = play(s);
        expect(violations).toEqual([]);
        expect(driver.outcome("r")).toBeDefined();
        expect(driver.state.ledger.totalUsed()).toBe(0);
      }),
      { numRuns, seed },
    );
  }, 300_000);
});
