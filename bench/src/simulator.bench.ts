/**
 * Many machines on one server (`handoff agent --simulate N`): how long N simulated machines take to join, what their
 * heartbeats cost the server's CPU while idle, and dispatch throughput across them. The real stack: a server process
 * on SQLite and one agent process holding N machines (each its own identity, socket, hello, heartbeats and result
 * server; functions from the standard library, called on the process's thread). Baseline in the same run: the same
 * wide DAG on one machine (`--simulate 1`, 4 slots) — what spreading over N machines costs or gains. Beside each
 * throughput: the server's and the simulator process's CPU per task (from /proc), which the load of a shared machine
 * does not inflate the way it does the wall clock. `HANDOFF_BENCH_PROFILE=dir` writes their CPU profiles there;
 * `HANDOFF_BENCH_IDLE_SECONDS` (default 20) shortens the idle measurement.
 */
import type { ChildProcess } from "node:child_process";
import { availableParallelism, cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { startStack, type Stack } from "@handoff/cli/testing";
import type { DagFile } from "@handoff/protocol";
import { findProcess, processCpuSeconds } from "./support/process-cpu.ts";
import { processRssMb } from "./support/process-rss.ts";
import { fmt, loadAverage } from "./support/stats.ts";

const COUNT = Number(process.env["HANDOFF_BENCH_MACHINES"] ?? 200);
const TASKS = Number(process.env["HANDOFF_BENCH_TASKS"] ?? 10_000);
const IDLE_SECONDS = Number(process.env["HANDOFF_BENCH_IDLE_SECONDS"] ?? 20);
const profileDir = process.env["HANDOFF_BENCH_PROFILE"];
const hook = fileURLToPath(new URL("./support/cpu-profile-hook.mjs", import.meta.url));
const profiled = (name: string): Record<string, string> =>
  profileDir === undefined ? {} : { NODE_OPTIONS: `--import ${hook}`, HANDOFF_BENCH_PROFILE: profileDir, HANDOFF_BENCH_PROFILE_NAME: name };
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

/** Tasks/s of the wide DAG, with the server's and the simulator's CPU per task (µs) over it, and the load average. */
async function measureWide(stack: Stack, count: number, serverPid: number | undefined, simulatorPid: number | undefined): Promise<string> {
  const before = [processCpuSeconds(serverPid), processCpuSeconds(simulatorPid)];
  const startedUs = process.hrtime.bigint() / 1000n;
  const perSecond = await wide(stack, count);
  const after = [processCpuSeconds(serverPid), processCpuSeconds(simulatorPid)];
  // The profiles' clock is the monotonic one: this window picks the run's samples out of a whole process's profile.
  if (profileDir !== undefined) console.log(`    profile window (monotonic µs): ${startedUs} ${process.hrtime.bigint() / 1000n}`);
  const perTask = (i: number): string => {
    const [a, b] = [before[i], after[i]];
    return a === undefined || b === undefined ? "n/a" : `${fmt(((b - a) * 1e6) / (count + 1), 0)} µs`;
  };
  return `${fmt(perSecond, 0)} tasks/s; CPU per task: server ${perTask(0)}, simulator ${perTask(1)} (load average ${loadAverage()})`;
}

async function simulate(stack: Stack, prefix: string, count: number): Promise<{ joinedMs: number; child: ChildProcess }> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  const started = performance.now();
  const child = await stack.launchAgent({ name: prefix, extraArgs: ["--simulate", String(count)], env: profiled(`simulator-${prefix}-${count}`) });
  await stack.waitForMachines(names);
  return { joinedMs: performance.now() - started, child };
}

/** Ends a simulator process (SIGTERM, so a profiled one writes its profile) and waits for it. */
async function endProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

const stack = await startStack({ localMachine: "one-1", serverEnv: profiled("server-simulator") });
try {
  const serverPid = findProcess(["start", "--port", new URL(stack.url).port]);
  const one = await simulate(stack, "one", 1);
  await wide(stack, 500); // warm-up
  const baseline = await measureWide(stack, TASKS, serverPid, one.child.pid);
  await endProcess(one.child);
  await stack.waitForMachines(["one-1"], "offline");

  const sim = await simulate(stack, "sim", COUNT);
  console.log(`(1) ${COUNT} machines joined in ${fmt(sim.joinedMs / 1000, 1)} s, from launching the process to all online in the API (target ≤ 10 s)`);

  const cpuBefore = processCpuSeconds(serverPid);
  await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
  const cpuAfter = processCpuSeconds(serverPid);
  if (cpuBefore !== undefined && cpuAfter !== undefined) {
    console.log(`(2) idle with ${COUNT} machines heartbeating: the server used ${fmt(((cpuAfter - cpuBefore) / IDLE_SECONDS) * 100, 1)}% of one core over ${IDLE_SECONDS} s (target ≤ 10%)`);
  } else console.log("(2) server CPU: not measurable here (no /proc or server pid not found)");

  await wide(stack, 500); // warm-up across the machines
  const spread = await measureWide(stack, TASKS, serverPid, sim.child.pid);
  console.log(`(3) ${TASKS.toLocaleString("en")} no-ops + sink across ${COUNT} machines: ${spread} (target ≥ 5,000 tasks/s)`);
  console.log(`    the same on 1 machine × 4 slots: ${baseline}`);
  console.log(`    simulator process RSS ${fmt(processRssMb(sim.child.pid) ?? Number.NaN, 0)} MB for ${COUNT} machines; server RSS ${fmt(processRssMb(serverPid) ?? Number.NaN, 0)} MB`);
  await endProcess(sim.child);
} finally {
  await stack.stop();
}
