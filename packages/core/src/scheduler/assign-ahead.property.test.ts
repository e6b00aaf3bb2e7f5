import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SLOTS, type Resources, type TaskSpec } from "../dag/model.ts";
import type { SchedulerCommand } from "./messages.ts";
import { SchedulerDriver, seededRandom as random } from "./test-driver.ts";

// The ledger with attempts assigned ahead, exact at every moment over random orders of events: assignments (now or
// queued), agents taking queued attempts as their slots free (in the order their inputs arrive), reports (success,
// failure), cancels, timeouts, machines lost, drained and back. After every event: no machine's declared resources
// over-committed in the ledger or on the agent, the ledger holds exactly what the live attempts claim, queues within
// their depth and only on online machines; at the end, every claim back to zero. With dependents pre-assigned
// (`pre-assign.ts`), the same, and: an agent starts a pre-assigned attempt only once its producers' values are in its
// store, never holds one whose producer is gone, and the server waits for no producer that is not live on its machine.
// Reproduce a failure with FC_SEED=<printed seed>; FC_NUM_RUNS sets how many scenarios are played.
const host = globalThis as unknown as { process?: { env: Record<string, string | undefined> }; console: { log(message: string): void } };
const env = host.process?.env ?? {};
const seed = env["FC_SEED"] === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(env["FC_SEED"]);
const numRuns = env["FC_NUM_RUNS"] === undefined ? 200 : Number(env["FC_NUM_RUNS"]);
host.console.log(`assign-ahead properties: FC_SEED=${seed} FC_NUM_RUNS=${numRuns}`);

type Machine = { readonly name: string; readonly capacity: Resources; readonly aheadDepth: number; readonly preAssign?: boolean };
type Scenario = { readonly machines: Machine[]; readonly runs: TaskSpec[][]; readonly choices: number[] };
/** One agent as the executor behaves: jobs enter its queue when their inputs are at hand, start in order while their slots fit. */
type Job = { readonly attemptId: string; readonly runId: string; readonly taskId: string; readonly cost: Resources; readonly after: readonly string[]; isReady: boolean; isStarted: boolean };
/** `done`: attempts whose values this agent's store holds (a pre-assigned job waits for its `after` to be there). */
type Agent = { isUp: boolean; jobs: Job[]; ready: Job[]; done: Set<string> };

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    machines: fc.array(fc.record({ cpu: fc.integer({ min: 1, max: 6 }), mem: fc.integer({ min: 1, max: 8 }), slots: fc.integer({ min: 1, max: 3 }), depth: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 3 }),
    runs: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 3 }),
    // fast-check's arrays of doubles lean to repeated values; a seeded generator spreads the shapes and the events.
    seed: fc.integer(),
  })
  .map(({ machines, runs, seed: scenarioSeed }) => {
    const next = random(scenarioSeed);
    const specs = runs.map((size) =>
      Array.from({ length: size }, (_, i): TaskSpec => {
        const args = Array.from({ length: i }, (_, j) => `t${j}`).filter(() => next() < 0.08);
        // Most cost only a slot (as most tasks do); the rest also cpu or memory, which a queued attempt claims at once.
        const cost: Record<string, number> = { cpu: next() < 0.3 ? 1 : 0, mem: next() < 0.3 ? Math.floor(next() * 3) : 0 };
        if (next() < 0.1) cost[SLOTS] = 2;
        return { id: `t${i}`, fn: "f", args, cost, maxRetries: 1, retryBackoff: { initialMs: 0 }, ...(next() < 0.2 ? { timeoutMs: 50 } : {}) };
      }),
    );
    return {
      machines: machines.map((m, i) => ({ name: `m${i}`, capacity: { cpu: m.cpu, mem: m.mem, [SLOTS]: m.slots }, aheadDepth: Math.min(m.depth, m.slots) })),
      runs: specs,
      choices: Array.from({ length: 300 }, next),
    };
  });

/** The same scenario with agents that take pre-assigned attempts (some) and more chains (a task often takes the one before). */
function withPreAssign(s: Scenario): Scenario {
  const next = random(Math.floor(s.choices[0]! * 2 ** 31));
  return {
    machines: s.machines.map((m) => ({ ...m, preAssign: next() < 0.7 })),
    runs: s.runs.map((tasks) => tasks.map((task, i) => (i > 0 && next() < 0.5 && !(task.args ?? []).includes(`t${i - 1}`) ? { ...task, args: [...(task.args ?? []), `t${i - 1}`] } : task))),
    choices: s.choices,
  };
}

function play(s: Scenario, onPreAssigned: () => void = () => undefined): string[] {
  const driver = new SchedulerDriver({ localMachine: "m0", noMachineGraceMs: 100 });
  const agents = new Map<string, Agent>(s.machines.map((m) => [m.name, { isUp: true, jobs: [], ready: [], done: new Set() }]));
  const costOf = new Map<string, Resources>();
  const violations: string[] = [];
  const join = (m: Machine): void => void apply(driver.send({ type: "machine_joined", now: driver.now, machine: { name: m.name, capacity: m.capacity, functions: ["f"], aheadDepth: m.aheadDepth, preAssign: m.preAssign === true } }));

  function startJobs(agent: Agent, capacity: Resources): void {
    let busy = agent.jobs.filter((job) => job.isStarted).reduce((sum, job) => sum + (job.cost[SLOTS] ?? 1), 0);
    while (agent.ready.length > 0) {
      const head = agent.ready[0]!;
      const slots = Math.min(head.cost[SLOTS] ?? 1, capacity[SLOTS]!);
      if (busy > 0 && busy + slots > capacity[SLOTS]!) break;
      agent.ready.shift();
      head.isStarted = true;
      busy += slots;
    }
  }
  function drop(agent: Agent, attemptId: string): void {
    agent.jobs = agent.jobs.filter((job) => job.attemptId !== attemptId);
    agent.ready = agent.ready.filter((job) => job.attemptId !== attemptId);
  }
  function apply(commands: readonly SchedulerCommand[]): void {
    for (const command of commands) {
      if (command.type === "assign_task") {
        const agent = agents.get(command.machine)!;
        if (!agent.isUp) violations.push(`${command.attemptId} assigned to ${command.machine}, which is down`);
        const cost = { ...costOf.get(`${command.runId}/${command.taskId}`)!, [SLOTS]: command.slots };
        const after = command.inputs.flatMap((input) => (input.kind === "result" && input.after !== undefined ? [input.after] : []));
        if (after.length > 0 && (!command.isQueued || after.some((id) => !agent.jobs.some((job) => job.attemptId === id)))) violations.push(`${command.attemptId} pre-assigned after ${after.join(", ")}, not queued ahead of them on ${command.machine}`);
        if (after.length > 0) onPreAssigned();
        agent.jobs.push({ attemptId: command.attemptId, runId: command.runId, taskId: command.taskId, cost, after, isReady: false, isStarted: false });
      } else if (command.type === "abort_attempt") {
        drop(agents.get(command.machine)!, command.attemptId);
      }
    }
    for (const m of s.machines) startJobs(agents.get(m.name)!, m.capacity);
    check();
  }
  function check(): void {
    const ledger = driver.state.ledger;
    for (const m of s.machines) {
      const used = ledger.used(m.name);
      const expected: Record<string, number> = {};
      for (const record of driver.state.attempts.values()) {
        if (record.machine !== m.name) continue;
        const cost = { ...costOf.get(`${record.runId}/${driver.state.runs.get(record.runId)!.compiled.tasks[record.task]!.id}`)!, [SLOTS]: record.slots };
        for (const [key, amount] of Object.entries(cost)) if (!(record.isQueued && key === SLOTS)) expected[key] = (expected[key] ?? 0) + amount;
      }
      for (const key of new Set([...Object.keys(used), ...Object.keys(expected), ...Object.keys(m.capacity)])) {
        const amount = used[key] ?? 0;
        if (Math.abs(amount - (expected[key] ?? 0)) > 1e-9) violations.push(`${m.name}.${key}: ledger holds ${amount}, live attempts claim ${expected[key] ?? 0}`);
        if (amount > (m.capacity[key] ?? 0) + 1e-9) violations.push(`${m.name}.${key}: ${amount} claimed of ${m.capacity[key] ?? 0}`);
      }
      const agent = agents.get(m.name)!;
      const running: Record<string, number> = {};
      for (const job of agent.jobs) if (job.isStarted) for (const [key, amount] of Object.entries(job.cost)) running[key] = (running[key] ?? 0) + amount;
      for (const key of ["cpu", "mem"]) if ((running[key] ?? 0) > m.capacity[key]!) violations.push(`${m.name}'s agent runs ${running[key]} ${key} of ${m.capacity[key]}`);
      const queue = driver.state.ahead.get(m.name) ?? [];
      if (queue.length > m.aheadDepth) violations.push(`${m.name} queues ${queue.length} > depth ${m.aheadDepth}`);
      if (queue.length > 0 && driver.state.machines.get(m.name)?.status !== "online") violations.push(`${m.name} queues attempts while ${driver.state.machines.get(m.name)?.status}`);
      for (const id of queue) if (driver.state.attempts.get(id)?.isQueued !== true) violations.push(`${id} in ${m.name}'s queue but not a queued attempt`);
      for (const job of agent.jobs) {
        const gone = job.after.filter((id) => !agent.done.has(id) && !agent.jobs.some((other) => other.attemptId === id));
        if (gone.length > 0) violations.push(`${m.name}'s agent holds ${job.attemptId}, waiting for ${gone.join(", ")}, which ended without a value`);
        if (job.isReady && !job.after.every((id) => agent.done.has(id))) violations.push(`${m.name}'s agent took ${job.attemptId} before its producers' values`);
      }
    }
    for (const record of driver.state.attempts.values()) {
      for (const id of record.waitsFor ?? []) if (driver.state.attempts.get(id)?.machine !== record.machine) violations.push(`${record.attemptId} waits for ${id}, not live on ${record.machine}`);
      if (record.waitsFor !== undefined && !record.isQueued) violations.push(`${record.attemptId} holds slots while waiting for ${record.waitsFor.join(", ")}`);
      if (record.isQueued && !(driver.state.ahead.get(record.machine) ?? []).includes(record.attemptId)) violations.push(`${record.attemptId} queued but in no machine's queue`);
    }
    for (const claimant of ledger.claimants()) if (!driver.state.attempts.has(claimant)) violations.push(`${claimant} holds a claim but is no live attempt`);
  }
  function report(job: Job, machine: string, isOk: boolean): void {
    drop(agents.get(machine)!, job.attemptId);
    if (isOk) agents.get(machine)!.done.add(job.attemptId);
    apply(
      isOk
        ? driver.send({ type: "attempt_succeeded", now: driver.now, attemptId: job.attemptId, machine, result: 1 })
        : driver.send({ type: "attempt_failed", now: driver.now, attemptId: job.attemptId, machine, error: { kind: "function_failed", message: "boom" } }),
    );
  }

  for (const m of s.machines) join(m);
  s.runs.forEach((tasks, r) => {
    for (const task of tasks) costOf.set(`r${r}/${task.id}`, task.cost ?? {});
  });
  let submitted = 0;
  const submit = (): void => void apply(driver.submit(`r${submitted}`, s.runs[submitted++]!, { onFailure: "continue" }));
  submit();

  for (const choice of s.choices) {
    const pick = <T,>(items: readonly T[], salt: number): T | undefined => (items.length === 0 ? undefined : items[Math.floor(((choice * 7919 + salt) % 1) * items.length)]);
    const m = pick(s.machines, 0.13)!;
    const agent = agents.get(m.name)!;
    if (choice < 0.3) {
      const job = pick(agent.jobs.filter((j) => !j.isReady && j.after.every((id) => agent.done.has(id))), 0.37);
      if (job) { job.isReady = true; agent.ready.push(job); apply([]); }
    } else if (choice < 0.62) {
      const job = pick(agent.jobs.filter((j) => j.isStarted), 0.71);
      if (job) report(job, m.name, choice > 0.35);
    } else if (choice < 0.68) {
      if (submitted < s.runs.length) submit();
    } else if (choice < 0.72) {
      const runs = [...driver.state.activeRuns];
      const runId = pick(runs, 0.5);
      if (runId !== undefined) apply(driver.send({ type: "run_cancel_requested", now: driver.now, runId }));
    } else if (choice < 0.78) {
      if (agent.isUp) {
        agent.isUp = false;
        agent.jobs = [];
        agent.ready = [];
        agent.done.clear();
        apply(driver.send({ type: "machine_status_changed", now: driver.now, name: m.name, status: "offline" }));
      } else {
        agent.isUp = true;
        join(m);
      }
    } else if (choice < 0.84) {
      const status = driver.state.machines.get(m.name)?.status;
      if (agent.isUp) apply(driver.send({ type: "machine_status_changed", now: driver.now, name: m.name, status: status === "draining" ? "online" : "draining" }));
    } else if (choice > 0.97) {
      // Its agent came back without a job (its assignment lost on the way): reported lost, started or still waiting.
      const job = pick(agent.jobs, 0.29);
      const record = job === undefined ? undefined : driver.state.attempts.get(job.attemptId);
      if (job && record) {
        const task = driver.state.runs.get(record.runId)!.tasks[record.task]!;
        const spent = (): number => task.machineLosses + task.countedFailures;
        const [wasWaiting, before] = [record.waitsFor !== undefined, spent()];
        drop(agent, job.attemptId);
        apply(driver.send({ type: "attempt_failed", now: driver.now, attemptId: job.attemptId, machine: m.name, error: { kind: "machine_lost", message: "came back without it" } }));
        if (wasWaiting && spent() !== before) violations.push(`${job.attemptId}, lost before it started, spent a retry or a machine loss`);
        if (!wasWaiting && spent() === before) violations.push(`${job.attemptId}, lost after its producers' values, counted nothing`);
      }
    } else {
      apply(driver.tick(driver.now + Math.floor(choice * 60)));
    }
  }

  // The end: every machine back, every input at hand, every attempt succeeding, time moving on.
  while (submitted < s.runs.length) submit();
  for (const m of s.machines) {
    const agent = agents.get(m.name)!;
    if (!agent.isUp) { agent.isUp = true; join(m); }
    if (driver.state.machines.get(m.name)?.status === "draining") apply(driver.send({ type: "machine_status_changed", now: driver.now, name: m.name, status: "online" }));
  }
  for (let step = 0; step < 2000 && driver.state.activeRuns.length > 0; step++) {
    let moved = false;
    for (const m of s.machines) {
      const agent = agents.get(m.name)!;
      for (const job of agent.jobs) if (!job.isReady && job.after.every((id) => agent.done.has(id))) { job.isReady = true; agent.ready.push(job); }
      apply([]);
      const job = agent.jobs.find((j) => j.isStarted);
      if (job) { report(job, m.name, true); moved = true; }
    }
    if (!moved) apply(driver.tick(driver.now + 200));
  }
  if (driver.state.activeRuns.length > 0) violations.push(`runs never ended: ${driver.state.activeRuns.join(", ")}`);
  if (driver.state.ledger.totalUsed() !== 0) violations.push(`claims left at the end: ${driver.state.ledger.claimants().join(", ")}`);
  if (driver.state.ahead.size !== 0 || driver.state.attempts.size !== 0) violations.push(`attempts left at the end: ${[...driver.state.attempts.keys()].join(", ")}`);
  return violations;
}

describe("assign-ahead ledger (property)", () => {
  it("never over-commits a declared resource, holds exactly the live attempts' claims, and ends at zero", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        expect(play(s)).toEqual([]);
      }),
      { seed, numRuns },
    );
  });

  it("with dependents pre-assigned beside their producers: the same, and no attempt waits for a producer that is gone", () => {
    let preAssigned = 0;
    fc.assert(
      fc.property(scenario.map(withPreAssign), (s) => {
        const violations = play(s, () => (preAssigned += 1));
        expect(violations).toEqual([]);
      }),
      { seed, numRuns },
    );
    expect(preAssigned).toBeGreaterThan(0); // the scenarios do exercise it
  });

  it("replays FC_SEED=831930309 (run 127): a queued attempt whose input was lost is not placed again when its machine drains", () => {
    // The case a clean-clone CI found: "t11" (input "t2") queued ahead on m0, "t2"'s result lost with m1, then m0
    // drained: the withdrawal put "t11" back in the ready queue and the next dispatch assigned it before "t2" ran again.
    fc.assert(
      fc.property(scenario, (s) => {
        expect(play(s)).toEqual([]);
      }),
      { seed: 831930309, path: "126", numRuns: 1 },
    );
  });

  it("leaves a withdrawn queued attempt whose input was lost waiting for the producer's recompute", () => {
    const driver = new SchedulerDriver();
    // Only m0 runs "g": the consumer is queued ahead there behind the blocker while its producer runs on m1.
    driver.send({ type: "machine_joined", now: 0, machine: { name: "m0", capacity: { [SLOTS]: 1 }, functions: ["f", "g"], aheadDepth: 1 } });
    driver.send({ type: "machine_joined", now: 0, machine: { name: "m1", capacity: { [SLOTS]: 1 }, functions: ["f"] } });
    driver.submit("r", [{ id: "blocker", fn: "g" }, { id: "p", fn: "f" }, { id: "c", fn: "g", args: ["p"] }]);
    expect([driver.assignment("blocker").machine, driver.assignment("p").machine]).toEqual(["m0", "m1"]);
    driver.succeed("p");
    expect(driver.assignment("c")).toMatchObject({ machine: "m0", isQueued: true });
    driver.send({ type: "machine_status_changed", now: 0, name: "m1", status: "offline" }); // "p"'s result is gone
    driver.send({ type: "machine_status_changed", now: 0, name: "m0", status: "draining" });
    expect(driver.taskState("r", "c")?.state).toBe("waiting_for_dependencies");
    driver.succeed("blocker");
    const back = driver.send({ type: "machine_status_changed", now: 0, name: "m0", status: "online" });
    expect(back.filter((c) => c.type === "assign_task").map((c) => c.taskId)).toEqual(["p"]);
    expect(driver.succeed("p").filter((c) => c.type === "assign_task").map((c) => c.attemptId)).toEqual(["r/c#2"]);
    driver.succeed("c");
    expect(driver.outcome("r")?.status).toBe("succeeded");
    expect(driver.state.ledger.totalUsed()).toBe(0);
  });

  it("queues attempts ahead on a busy machine whose agent takes them, and never on one that does not", () => {
    for (const depth of [0, 2]) {
      const driver = new SchedulerDriver();
      driver.send({ type: "machine_joined", now: 0, machine: { name: "m", capacity: { cpu: 8, [SLOTS]: 2 }, functions: ["f"], aheadDepth: depth } });
      const commands = driver.submit("r", Array.from({ length: 6 }, (_, i) => ({ id: `t${i}`, fn: "f" })));
      const assigns = commands.filter((c) => c.type === "assign_task");
      expect(assigns.length).toBe(2 + depth);
      expect(assigns.filter((c) => c.isQueued === true).length).toBe(depth);
      expect(driver.state.ledger.used("m")[SLOTS]).toBe(2);
    }
  });

  it("withdraws a queued attempt when its machine drains, without spending a retry, and places it again later", () => {
    const driver = new SchedulerDriver();
    driver.send({ type: "machine_joined", now: 0, machine: { name: "m", capacity: { [SLOTS]: 1 }, functions: ["f"], aheadDepth: 1 } });
    driver.submit("r", [{ id: "a", fn: "f" }, { id: "b", fn: "f" }], { maxRetries: 0 });
    const queued = driver.assignment("b");
    expect(queued.isQueued).toBe(true);
    const drained = driver.send({ type: "machine_status_changed", now: 0, name: "m", status: "draining" });
    expect(drained).toContainEqual(expect.objectContaining({ type: "abort_attempt", attemptId: queued.attemptId, reason: "cancelled" }));
    expect(driver.taskState("r", "b")?.state).toBe("waiting_for_resources");
    expect(driver.succeed("a").filter((c) => c.type === "assign_task")).toEqual([]);
    const back = driver.send({ type: "machine_status_changed", now: 0, name: "m", status: "online" });
    expect(back.filter((c) => c.type === "assign_task").map((c) => c.attemptId)).toEqual(["r/b#2"]);
    driver.succeed("b");
    expect(driver.outcome("r")?.status).toBe("succeeded");
    expect(driver.state.ledger.totalUsed()).toBe(0);
  });
});
