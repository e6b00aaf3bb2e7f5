/**
 * Many machines on one server (`handoff agent --simulate N`): how long N simulated machines take to join, what their
 * heartbeats cost the server's CPU while idle, and dispatch throughput across them. The real stack: a server process
 * on SQLite and one agent process holding N machines (each its own identity, socket, hello, heartbeats and result
 * server; functions from the standard library, called on the process's thread). Baseline in the same run: the same
 * wide DAG on one machine (`--simulate 1`, 4 slots) — what spreading over N machines costs or gains.
 */
import { availableParallelism, cpus } from "node:os";
import { startStack, type Stack } from "@handoff/cli/testing";
import type { DagFile } from "@handoff/protocol";
import { findProcess, processCpuSeconds } from "./support/process-cpu.ts";
import { processRssMb } from "./support/process-rss.ts";
import { fmt } from "./support/stats.ts";

const COUNT = Number(process.env["HANDOFF_BENCH_MACHINES"] ?? 200);
const TASKS = Number(process.env["HANDOFF_BENCH_TASKS"] ?? 10_000);
const IDLE_SECONDS = 20;
type Task = DagFile["tasks"][number];

console.log(`machine: ${cpus()[0]?.model ?? "unknown cpu"} × ${availableParallelism()}, node ${process.version}`);
console.log(`simulator: one server process (SQLite) + one agent process simulating ${COUNT} machines × 4 slots, loopback\n`);

async function wide(stack: Stack, count: number): Promise<number> {
  const tasks: Task[] = Array.from({ length: count }, (_, i) => ({ id: `t${i}`, fn: "std.constant", extraArgs: [null] }));
  tasks.push({ id: "sink", fn: "std.length", args: tasks.map((task) => task.id), argumentInclusion: "as_list" });
  const started = performance.now();
  const outcome = await stack.client.execute({ format: "handoff.dag", version: 1, name: "sim-wide", tasks }, { strategy: "load_balanced" });
  const ms = performance.now() - started;
  if (outcome.status !== "succeeded") throw new Error(`wide run ${outcome.status}`);
  const counted = await stack.client.getValue(outcome.runId, "sink");
  if (counted !== count) throw new Error(`the sink counted ${String(counted)}, expected ${count}`);
  return (count + 1) / (ms / 1000);
}

async function simulate(stack: Stack, prefix: string, count: number): Promise<{ joinedMs: number; pid: number | undefined }> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  const started = performance.now();
  const child = await stack.launchAgent({ name: prefix, extraArgs: ["--simulate", String(count)] });
  await stack.waitForMachines(names);
  return { joinedMs: performance.now() - started, pid: child.pid };
}

const stack = await startStack({ localMachine: "one-1" });
try {
  const serverPid = findProcess(["start", "--port", new URL(stack.url).port]);
  const one = await simulate(stack, "one", 1);
  await wide(stack, 500); // warm-up
  const baseline = await wide(stack, TASKS);
  await stack.killAgent("one").catch(() => undefined);

  const sim = await simulate(stack, "sim", COUNT);
  console.log(`(1) ${COUNT} machines joined in ${fmt(sim.joinedMs / 1000, 1)} s, from launching the process to all online in the API (target ≤ 10 s)`);

  const cpuBefore = processCpuSeconds(serverPid);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  const cpuAfter = processCpuSeconds(serverPid);
  if (cpuBefore !== undefined && cpuAfter !== undefined) {
    console.log(`(2) idle with ${COUNT} machines heartbeating: the server used ${fmt(((cpuAfter - cpuBefore) / IDLE_SECONDS) * 100, 1)}% of one core over ${IDLE_SECONDS} s (target ≤ 10%)`);
  } else console.log("(2) server CPU: not measurable here (no /proc or server pid not found)");

  await wide(stack, 500); // warm-up across the machines
  const spread = await wide(stack, TASKS);
  console.log(`(3) ${TASKS.toLocaleString("en")} no-ops + sink across ${COUNT} machines: ${fmt(spread, 0)} tasks/s (target ≥ 5,000); the same on 1 machine × 4 slots: ${fmt(baseline, 0)} tasks/s`);
  console.log(`    simulator process RSS ${fmt(processRssMb(sim.pid) ?? Number.NaN, 0)} MB for ${COUNT} machines; server RSS ${fmt(processRssMb(serverPid) ?? Number.NaN, 0)} MB`);
  void one;
} finally {
  await stack.stop();
}
