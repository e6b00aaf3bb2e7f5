/**
 * Foundation figures: how fast the pure core validates, compiles and schedules, and what
 * `executeLocal` costs per task over calling the functions directly (the baseline, measured in this
 * same run on this machine).
 */
import { availableParallelism, cpus, totalmem } from "node:os";
import { compileDag, createSchedulerState, decide, neededFunctions, validateDag, type DagSpec, type SchedulerCommand, type TaskSpec } from "@handoff/core";
import { defineFunction, executeLocal } from "@handoff/sdk";

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

function fmt(n: number, digits = 1): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits });
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

// 3. executeLocal against the baseline of calling the same function directly.
const inc = defineFunction({ name: "b.inc", run: (x: number) => x + 1 });
const n = 10_000;
const direct = time(() => {
  let x = 0;
  for (let i = 0; i < n; i++) x = inc.run(x) as number;
  return x;
});
const chain: TaskSpec[] = [{ id: "c0", fn: "std.constant", extraArgs: [0] }];
for (let i = 1; i < n; i++) chain.push({ id: `c${i}`, fn: "b.inc", args: [`c${i - 1}`] });
const chainRun = await timeAsync(() => executeLocal({ tasks: chain }, { functions: [inc] }));
if (chainRun.value.results[`c${n - 1}`] !== n - 1) throw new Error("chain gave a wrong result");
const hopUs = (chainRun.ms * 1000) / n;
console.log(`\nchain of 10k tasks:   ${fmt(chainRun.ms)} ms — ${fmt(hopUs, 2)} µs/hop (CPU ${fmt((chainRun.cpuMs * 1000) / n, 2)} µs/hop; direct calls: ${fmt((direct.ms * 1000) / n, 3)} µs/call; target ≤ ${TARGET_HOP_US} µs/hop: ${hopUs <= TARGET_HOP_US ? "met" : "not met"})`);

const wide: TaskSpec[] = [];
for (let i = 0; i < n; i++) wide.push({ id: `w${i}`, fn: "b.inc", extraArgs: [i] });
wide.push({ id: "sum", fn: "std.sum", args: wide.map((t) => t.id), argumentInclusion: "as_list" });
const wideRun = await timeAsync(() => executeLocal({ tasks: wide }, { functions: [inc] }));
const expected = (n * (n + 1)) / 2;
if (wideRun.value.results["sum"] !== expected) throw new Error(`fan-in gave ${String(wideRun.value.results["sum"])}, expected ${expected}`);
const tasksPerS = (n + 1) / (wideRun.ms / 1000);
console.log(`10k independent + as_list sink: ${fmt(wideRun.ms)} ms — ${fmt(tasksPerS, 0)} tasks/s (by CPU time ${fmt((n + 1) / (wideRun.cpuMs / 1000), 0)} tasks/s; target ≥ ${fmt(TARGET_TASKS_PER_S, 0)}: ${tasksPerS >= TARGET_TASKS_PER_S ? "met" : "not met"})`);
console.log(`\nexecuteLocal overhead over a direct call: ${fmt(chainRun.ms / Math.max(direct.ms, 0.001), 0)}× on the chain`);
