/**
 * The data plane alone: 256 MiB from agent A to agent B, interleaved with raw loopback TCP, repeated (medians and
 * spread). `HANDOFF_BENCH_PROFILE=dir` writes the agents' CPU profiles there (node --cpu-prof).
 * Run: `npx -y pnpm@10.34.9 --filter @handoff/bench exec tsx src/transfer.bench.ts [repetitions]`
 */
import { startStack } from "@handoff/cli/testing";
import { writeBenchFunctions } from "./support/bench-functions.ts";
import { rawTcpMiBs } from "./support/raw-tcp.ts";
import { fmt, loadAverage, summarize } from "./support/stats.ts";
import { measureTransfer } from "./support/shapes.ts";

const repetitions = Math.min(20, Math.max(1, Number(process.argv[2] ?? 5) || 5));
const profileDir = process.env["HANDOFF_BENCH_PROFILE"];
const functions = writeBenchFunctions();
const hook = new URL("./support/cpu-profile-hook.mjs", import.meta.url).pathname;
const env = profileDir === undefined ? undefined : { NODE_OPTIONS: `--import ${hook}`, HANDOFF_BENCH_PROFILE: profileDir };
const stack = await startStack({
  localMachine: "A",
  verbose: process.env["HANDOFF_BENCH_VERBOSE"] === "1",
  agents: ["A", "B"].map((name) => ({ name, capacity: { cpu: 4, slots: 4 }, functions: [functions], ...(env === undefined ? {} : { env }) })),
});
const size = 256 * 2 ** 20;
try {
  await measureTransfer(stack, 1024); // warm-up
  const ours: number[] = [];
  const fetchOnly: number[] = [];
  const raw: number[] = [];
  const ratios: number[] = [];
  const cpuMs = { consumer: [] as number[], producer: [] as number[] };
  const faults = { consumer: [] as number[], producer: [] as number[] };
  for (let i = 0; i < repetitions; i++) {
    const tcp = await rawTcpMiBs(size);
    const figure = await measureTransfer(stack, size);
    const mibs = 256 / (figure.endToEndMs / 1000);
    raw.push(tcp);
    ours.push(mibs);
    ratios.push(mibs / tcp);
    if (figure.fetchMs !== undefined) fetchOnly.push(256 / (figure.fetchMs / 1000));
    for (const side of ["consumer", "producer"] as const) {
      cpuMs[side].push(figure[side].cpuMs);
      faults[side].push(figure[side].minorFaults);
    }
    console.log(
      `  #${i + 1}: raw TCP into memory ${fmt(tcp)} MiB/s; A→B end to end ${fmt(figure.endToEndMs, 0)} ms = ${fmt(mibs)} MiB/s; fetch ${fmt(figure.fetchMs ?? Number.NaN, 0)} ms; CPU B ${fmt(figure.consumer.cpuMs, 0)} ms, A ${fmt(figure.producer.cpuMs, 0)} ms; minor faults B ${fmt(figure.consumer.minorFaults, 0)}, A ${fmt(figure.producer.minorFaults, 0)}; load ${loadAverage()}`,
    );
  }
  console.log(`256 MiB A→B end to end: ${summarize(ours).text} MiB/s; fetch alone ${summarize(fetchOnly).text} MiB/s`);
  console.log(`raw loopback TCP into memory: ${summarize(raw).text} MiB/s; ratio ${summarize(ratios, 2).text} (target ≥ 0.7)`);
  console.log(`consumer B's agent per run (fetch, store, call): CPU ${summarize(cpuMs.consumer, 0).text} ms, minor faults ${summarize(faults.consumer, 0).text} (256 MiB = 65,536 pages)`);
  console.log(`producer A's agent per run (makes the value, serves it): CPU ${summarize(cpuMs.producer, 0).text} ms, minor faults ${summarize(faults.producer, 0).text}`);
} finally {
  await stack.stop();
}
