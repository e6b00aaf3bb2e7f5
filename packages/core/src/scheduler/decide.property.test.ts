import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TaskSpec } from "../dag/model.ts";
import { decide } from "./decide.ts";
import type { SchedulerCommand } from "./messages.ts";
import { createSchedulerState } from "./scheduler-state.ts";
import { SchedulerDriver, seededRandom as random } from "./test-driver.ts";

interface Scenario {
  readonly tasks: TaskSpec[];
  readonly machines: { name: string; cpu: number; slots: number }[];
  readonly onFailure: "fail_fast" | "continue";
  readonly maxRetries: number;
  readonly failRate: number;
  readonly seed: number;
}

/** Failures of every kind a function's attempt can end with, retryable or not; half of them the common one. */
const FAILURE_KINDS = ["function_failed", "function_failed", "function_failed", "timeout", "non_retryable", "machine_lost"] as const;
const RETRY_ON_CHOICES = [undefined, undefined, ["function_failed"], ["timeout"], []] as const satisfies readonly TaskSpec["retryOn"][];

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    size: fc.integer({ min: 1, max: 25 }),
    seed: fc.integer(),
    machines: fc.array(fc.record({ cpu: fc.integer({ min: 2, max: 4 }), slots: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 }),
    onFailure: fc.constantFrom("fail_fast" as const, "continue" as const),
    maxRetries: fc.integer({ min: 0, max: 2 }),
    failRate: fc.constantFrom(0, 0.2, 0.5),
  })
  .map(({ size, seed, machines, onFailure, maxRetries, failRate }) => {
    const rand = random(seed);
    const tasks: TaskSpec[] = [];
    for (let i = 0; i < size; i++) {
      const args: string[] = [];
      for (let j = 0; j < i; j++) if (rand() < 0.2) args.push(`t${j}`);
      const isInline = i > 0 && rand() < 0.1;
      const retryOn = RETRY_ON_CHOICES[Math.floor(rand() * RETRY_ON_CHOICES.length)];
      tasks.push({
        id: `t${i}`,
        fn: "f",
        args,
        ...(isInline ? { type: "inline" as const } : { cost: { cpu: Math.floor(rand() * 3) } }),
        ...(retryOn === undefined || isInline ? {} : { retryOn }),
      });
    }
    return { tasks, machines: machines.map((m, i) => ({ name: `m${i}`, ...m })), onFailure, maxRetries, failRate, seed };
  });

/** Plays a scenario to the end, machines answering in a random order. */
function play(s: Scenario): { driver: SchedulerDriver; succeededOrder: string[]; violations: string[] } {
  const driver = new SchedulerDriver({ localMachine: "m0" });
  for (const m of s.machines) driver.machine(m.name, { cpu: m.cpu, slots: m.slots }, ["f"]);
  driver.submit("r", s.tasks, { onFailure: s.onFailure, maxRetries: s.maxRetries });
  const rand = random(s.seed ^ 0x5bd1e995);
  const succeeded = new Set<string>();
  const succeededOrder: string[] = [];
  const violations: string[] = [];
  const byId = new Map(s.tasks.map((t) => [t.id, t]));
  const regularDeps = (id: string): string[] => {
    const deps: string[] = [];
    for (const arg of byId.get(id)?.args ?? []) {
      const source = typeof arg === "string" ? arg : arg.from;
      if (byId.get(source)?.type === "inline") deps.push(...regularDeps(source));
      else deps.push(source);
    }
    return deps;
  };
  let checked = 0;
  for (let steps = 0; steps < 10_000 && !driver.outcome("r"); steps++) {
    for (; checked < driver.log.length; checked++) {
      const command = driver.log[checked]!;
      if (command.type !== "assign_task") continue;
      if (succeeded.has(command.taskId)) violations.push(`${command.taskId} assigned again after it succeeded`);
      for (const dep of regularDeps(command.taskId)) {
        if (!succeeded.has(dep)) violations.push(`${command.taskId} started before ${dep} succeeded`);
      }
    }
    const running = driver.running();
    if (running.length === 0) {
      // Retries wait (default backoff): the clock moves to the timer the scheduler asked for last, as the engine's would.
      const timer = driver.log.findLast((c) => c.type === "set_timer");
      const lastTick = driver.events.findLast((e) => e.type === "tick");
      if (timer?.type === "set_timer" && timer.at > (lastTick?.now ?? -1)) {
        driver.tick(Math.max(driver.now, timer.at));
        continue;
      }
      violations.push("nothing running and no outcome: the run hangs");
      break;
    }
    const pick = running[Math.floor(rand() * running.length)]!;
    driver.now += 1;
    if (rand() < s.failRate) driver.fail(pick.taskId, "boom", FAILURE_KINDS[Math.floor(rand() * FAILURE_KINDS.length)]);
    else {
      driver.succeed(pick.taskId);
      succeeded.add(pick.taskId);
      succeededOrder.push(pick.taskId);
    }
  }
  return { driver, succeededOrder, violations };
}

describe("scheduler properties on random DAGs", () => {
  it("never starts a task before its dependencies succeeded, never reruns a success, and always finishes", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { driver, violations } = play(s);
        expect(violations).toEqual([]);
        expect(driver.outcome("r")).toBeDefined();
      }),
    );
  });

  it("runs every task of a successful run exactly once", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { driver, succeededOrder } = play({ ...s, failRate: 0 });
        const regular = s.tasks.filter((t) => t.type !== "inline").map((t) => t.id);
        expect(driver.outcome("r")?.status).toBe("succeeded");
        expect([...succeededOrder].sort()).toEqual([...regular].sort());
        expect(Object.keys(driver.outcome("r")!.results).sort()).toEqual([...regular].sort());
      }),
    );
  });

  it("releases every claim when a run ends, whatever the outcome", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { driver } = play(s);
        expect(driver.state.ledger.totalUsed()).toBe(0);
        expect(driver.state.attempts.size).toBe(0);
      }),
    );
  });

  it("makes the same decisions when the same events are replayed", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { driver } = play(s);
        const replayState = createSchedulerState({ localMachine: "m0" });
        const replayed: SchedulerCommand[] = [];
        for (const event of driver.events) replayed.push(...decide(replayState, event).commands);
        expect(replayed).toEqual(driver.log);
      }),
    );
  });

  it("makes the same decisions unwatched, without task changes or placement explanations", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { driver } = play(s);
        const unwatched = createSchedulerState({ localMachine: "m0", isWatched: false });
        const replayed: SchedulerCommand[] = [];
        for (const event of driver.events) replayed.push(...decide(unwatched, event).commands);
        const expected = driver.log
          .filter((command) => command.type !== "task_changed")
          .map((command) => (command.type === "assign_task" ? { ...command, placement: undefined } : command));
        expect(replayed).toEqual(expected);
        expect(replayed.some((command) => command.type === "assign_task" && command.placement !== undefined)).toBe(false);
      }),
    );
  });
});
