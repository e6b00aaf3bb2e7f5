/**
 * Foundation figures: how fast the pure core validates, compiles and schedules, and what
 * `executeLocal` costs per task over calling the functions directly (the baseline, measured in this
 * same run on this machine).
 */
import { availableParallelism, cpus, totalmem } from "node:os";
import { compileDag, createSchedulerState, decide, neededFunctions, validateDag, type DagSpec, type SchedulerCommand, type TaskSpec } from "@handoff/core";
import { defineFunction, executeLocal } from "@handoff/sdk";
import { fmt, loadAverage } from "./support/stats.ts";

function time<T>(run: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = run();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Wall clock and this process's CPU time (on a shared machine the CPU time is the steadier of the two). */
async function timeAsync<T>(run: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const value = await run();
  const used = process.cpuUsage(cpu);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: (used.user + used.system) / 1000, value };
}

const REPETITIONS = 3;

/**
 * The first (cold) run, then a warm-up and the best of `REPETITIONS` runs: the lowest wall clock and the lowest CPU
 * time, each on its own (on a shared machine the two need not come from the same run). Every run's outcome is checked.
 */
async function firstAndBest<T>(run: () => Promise<T>, check: (value: T) => unknown): Promise<{ first: { ms: number; cpuMs: number }; best: { ms: number; cpuMs: number } }> {
  const first = await timeAsync(run);
  check(first.value);
  check((await timeAsync(run)).value); // the warm-up
  const best = { ms: Infinity, cpuMs: Infinity };
  for (let i = 0; i < REPETITIONS; i++) {
    const measured = await timeAsync(run);
    check(measured.value);
    best.ms = Math.min(best.ms, measured.ms);
    best.cpuMs = Math.min(best.cpuMs, measured.cpuMs);
  }
  return { first: { ms: first.ms, cpuMs: first.cpuMs }, best };
}

function fail(message: string): never {
  throw new Error(message);
}

/** The issue #15 targets for `executeLocal`. */
const TARGET_HOP_US = 10;
const TARGET_TASKS_PER_S = 100_000;

function layered(total: number, width: number): DagSpec {
  const tasks: TaskSpec[] = [];
  for (let i = 0; i < total; i++) {
    const layer = Math.floor(i / width);
    const args = layer === 0 ? [] : [`t${i - width}`, `t${(layer - 1) * width + ((i + 1) % width)}`];
    tasks.push({ id: `t${i}`, fn: "f", args, cost: { cpu: 1 } });
  }
  return { tasks };
}

console.log(`machine: ${cpus()[0]?.model ?? "unknown cpu"} × ${availableParallelism()}, ${fmt(totalmem() / 2 ** 30)} GiB, node ${process.version}\n`);

// 1. Validate and compile a 100k-task layered DAG.
const big = layered(100_000, 100);
const validation = time(() => validateDag(big));
if (validation.value.length > 0) throw new Error("bench DAG should be valid");
const compile = time(() => compileDag(big, neededFunctions(big)));
console.log(`validate 100k tasks:  ${fmt(validation.ms)} ms`);
console.log(`compile 100k tasks:   ${fmt(compile.ms)} ms`);

// 2. The scheduler alone: every decision for a 100k-task run on 8 machines, results reported at once.
const schedule = time(() => {
  const state = createSchedulerState({});
  let decisions = 0;
  const pending: Extract<SchedulerCommand, { type: "assign_task" }>[] = [];
  const apply = (commands: readonly SchedulerCommand[]): void => {
    for (const command of commands) if (command.type === "assign_task") pending.push(command);
  };
  for (let m = 0; m < 8; m++) {
    apply(decide(state, { type: "machine_joined", now: 0, machine: { name: `m${m}`, capacity: { cpu: 16, slots: 16 }, functions: ["f"] } }).commands);
  }
  const submit = time(() => decide(state, { type: "run_submitted", now: 0, runId: "r", dag: big }).commands);
  apply(submit.value);
  let finished = false;
  while (pending.length > 0) {
    const command = pending.pop()!;
    const out = decide(state, { type: "attempt_succeeded", now: 1, attemptId: command.attemptId, machine: command.machine }).commands;
    decisions += 1;
    apply(out);
    if (out.some((c) => c.type === "run_finished")) finished = true;
  }
  if (!finished) throw new Error("bench run did not finish");
  return { decisions, submitMs: submit.ms };
});
const decisionsMs = schedule.ms - schedule.value.submitMs;
console.log(`schedule 100k tasks:  ${fmt(schedule.ms)} ms — ${fmt(schedule.value.decisions / (schedule.ms / 1000), 0)} decisions/s, ${fmt((schedule.ms * 1000) / schedule.value.decisions, 2)} µs each`);
console.log(`  of which submit (validate + feasibility + compile): ${fmt(schedule.value.submitMs)} ms; the decisions after it: ${fmt((decisionsMs * 1000) / schedule.value.decisions, 2)} µs each`);

// 3. executeLocal against the baseline of calling the same function directly. Each shape as the anchors measure:
// a warm-up, then the best of 3 (wall clock and CPU time each at its best), with the cold first run printed beside it.
const inc = defineFunction({ name: "b.inc", run: (x: number) => x + 1 });
const n = 10_000;
const direct = time(() => {
  let x = 0;
  for (let i = 0; i < n; i++) x = inc.run(x) as number;
  return x;
});
const chain: TaskSpec[] = [{ id: "c0", fn: "std.constant", extraArgs: [0] }];
for (let i = 1; i < n; i++) chain.push({ id: `c${i}`, fn: "b.inc", args: [`c${i - 1}`] });
const chainRuns = await firstAndBest(
  () => executeLocal({ tasks: chain }, { functions: [inc] }),
  (outcome) => outcome.results[`c${n - 1}`] === n - 1 || fail("chain gave a wrong result"),
);
const hopUs = (ms: number): number => (ms * 1000) / n;
const chainHop = hopUs(chainRuns.best.ms);
console.log(`\nexecuteLocal, best of ${REPETITIONS} after a warm-up (load average ${loadAverage()}); the first (cold) run in parentheses:`);
console.log(
  `chain of 10k tasks:   ${fmt(chainHop, 2)} µs/hop, CPU ${fmt(hopUs(chainRuns.best.cpuMs), 2)} µs/hop (first: ${fmt(hopUs(chainRuns.first.ms), 2)}, CPU ${fmt(hopUs(chainRuns.first.cpuMs), 2)}); direct calls: ${fmt(hopUs(direct.ms), 3)} µs/call; target ≤ ${TARGET_HOP_US} µs/hop: ${chainHop <= TARGET_HOP_US ? "met" : "not met"}`,
);

const wide: TaskSpec[] = [];
for (let i = 0; i < n; i++) wide.push({ id: `w${i}`, fn: "b.inc", extraArgs: [i] });
wide.push({ id: "sum", fn: "std.sum", args: wide.map((t) => t.id), argumentInclusion: "as_list" });
const expected = (n * (n + 1)) / 2;
const wideRuns = await firstAndBest(
  () => executeLocal({ tasks: wide }, { functions: [inc] }),
  (outcome) => outcome.results["sum"] === expected || fail(`fan-in gave ${String(outcome.results["sum"])}, expected ${expected}`),
);
const perS = (ms: number): number => (n + 1) / (ms / 1000);
const tasksPerS = perS(wideRuns.best.ms);
console.log(
  `10k independent + as_list sink: ${fmt(tasksPerS, 0)} tasks/s, by CPU time ${fmt(perS(wideRuns.best.cpuMs), 0)} tasks/s (first: ${fmt(perS(wideRuns.first.ms), 0)}, by CPU ${fmt(perS(wideRuns.first.cpuMs), 0)}); target ≥ ${fmt(TARGET_TASKS_PER_S, 0)}: ${tasksPerS >= TARGET_TASKS_PER_S ? "met" : "not met"}`,
);
console.log(`\nexecuteLocal overhead over a direct call: ${fmt(chainRuns.best.ms / Math.max(direct.ms, 0.001), 0)}× on the chain (best run)`);
