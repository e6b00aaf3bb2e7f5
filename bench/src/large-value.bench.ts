/**
 * A 1 GiB value, over the agents' 256 MiB memory budget, made on A as a stream of bytes and taken on B as a stream:
 * the move (B's fetch into its store, straight to disk) against raw loopback TCP measured in the same run (into a new
 * file, as B must keep it; and with nothing kept, the loopback's own speed — `support/raw-tcp.ts`), the consumer
 * from assignment to result, and each agent's peak resident memory (VmHWM, worker threads included) before and after.
 * Repeated (medians and spread). `HANDOFF_BENCH_PROFILE=dir` writes the agents' CPU profiles there (node --cpu-prof).
 * Run: `npx -y pnpm@10.34.9 --filter @handoff/bench exec tsx src/large-value.bench.ts [repetitions] [MiB]`
 */
import { readFileSync } from "node:fs";
import { startStack } from "@handoff/cli/testing";
import { writeBenchFunctions } from "./support/bench-functions.ts";
import { rawTcpMiBs } from "./support/raw-tcp.ts";
import { measureLargeValue } from "./support/shapes.ts";
import { fmt, loadAverage, summarize } from "./support/stats.ts";

const repetitions = Math.min(10, Math.max(1, Number(process.argv[2] ?? 3) || 3));
const mib = Math.min(16 * 1024, Math.max(1, Number(process.argv[3] ?? 1024) || 1024));
const budgetMb = 256;
const size = mib * 2 ** 20;
const functions = writeBenchFunctions();
const profileDir = process.env["HANDOFF_BENCH_PROFILE"];
const hook = new URL("./support/cpu-profile-hook.mjs", import.meta.url).pathname;
const profiled = (name: string): { env?: Record<string, string> } =>
  profileDir === undefined ? {} : { env: { NODE_OPTIONS: `--import ${hook}`, HANDOFF_BENCH_PROFILE: profileDir, HANDOFF_BENCH_PROFILE_NAME: `agent-${name}` } };
const stack = await startStack({
  localMachine: "A",
  verbose: process.env["HANDOFF_BENCH_VERBOSE"] === "1",
  agents: ["A", "B"].map((name) => ({ name, capacity: { cpu: 4, slots: 4 }, functions: [functions], extraArgs: ["--memory-budget-mb", String(budgetMb)], ...profiled(name) })),
});

function peakMiB(name: string): number {
  const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${stack.agents.get(name)?.pid ?? 0}/status`, "utf8"))?.[1];
  return Number(kib) / 1024;
}

/** CPU time (user + system, ms) the agent process has used so far, its worker threads included. */
function cpuMs(name: string): number {
  const fields = readFileSync(`/proc/${stack.agents.get(name)?.pid ?? 0}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 per second)
}

try {
  await measureLargeValue(stack, 4 * 2 ** 20); // warm-up: both agents have a worker and the modules loaded
  const before = { A: peakMiB("A"), B: peakMiB("B") };
  const moved: number[] = [];
  const consumer: number[] = [];
  const raw: number[] = [];
  const wire: number[] = [];
  const ratios: number[] = [];
  const wireRatios: number[] = [];
  const cpu = { A: [] as number[], B: [] as number[] };
  for (let i = 0; i < repetitions; i++) {
    const tcp = await rawTcpMiBs(size, "file");
    const tcpWire = await rawTcpMiBs(size, "wire");
    const cpuBefore = { A: cpuMs("A"), B: cpuMs("B") };
    const figure = await measureLargeValue(stack, size);
    cpu.A.push(cpuMs("A") - cpuBefore.A);
    cpu.B.push(cpuMs("B") - cpuBefore.B);
    const mibs = mib / (figure.fetchMs / 1000);
    raw.push(tcp);
    wire.push(tcpWire);
    moved.push(mibs);
    ratios.push(mibs / tcp);
    wireRatios.push(mibs / tcpWire);
    consumer.push(mib / (figure.consumerMs / 1000));
    console.log(`  #${i + 1}: raw TCP into a file ${fmt(tcp)} MiB/s, nothing kept ${fmt(tcpWire)} MiB/s; A→B move into B's store ${fmt(figure.fetchMs, 0)} ms = ${fmt(mibs)} MiB/s; consumer assignment to result ${fmt(figure.consumerMs, 0)} ms; CPU A ${fmt(cpu.A.at(-1)!, 0)} ms, B ${fmt(cpu.B.at(-1)!, 0)} ms`);
  }
  const after = { A: peakMiB("A"), B: peakMiB("B") };
  console.log(`${fmt(mib, 0)} MiB over a ${budgetMb} MiB budget, A→B: moved and stored ${summarize(moved).text} MiB/s; consumer (fetch + reading the stream) ${summarize(consumer).text} MiB/s`);
  console.log(`raw loopback TCP into a file: ${summarize(raw).text} MiB/s; ratio ${summarize(ratios, 2).text} (target ≥ 0.5); load ${loadAverage()}`);
  console.log(`raw loopback TCP, nothing kept: ${summarize(wire).text} MiB/s; ratio ${summarize(wireRatios, 2).text}`);
  console.log(`agents' CPU for the whole run (producing, serving, fetching, storing, consuming): A ${summarize(cpu.A, 0).text} ms, B ${summarize(cpu.B, 0).text} ms (load-independent, unlike the times)`);
  console.log(`peak RSS (VmHWM) A ${fmt(before.A, 0)} → ${fmt(after.A, 0)} MiB, B ${fmt(before.B, 0)} → ${fmt(after.B, 0)} MiB (the value: ${fmt(mib, 0)} MiB)`);
} finally {
  await stack.stop();
}
