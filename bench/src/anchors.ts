/**
 * The anchor: the cluster bench's shapes on our stack and on Dask distributed (Debian's python3-distributed), side by
 * side. Both: 2 workers (our agents A and B with 4 slots each; Dask's LocalCluster of 2 processes × 1 thread), a
 * warm-up, then the best of 3 with fresh keys (our median and spread printed beside it). Ours adds the transfer's
 * ratio to raw loopback TCP measured between repetitions (`support/raw-tcp.ts`: kept the way ours must keep it), the fan-in of 10,000 × 1 KiB into a sink on the other
 * machine, idle agent RSS with 4 slots (after its idle workers retired) beside an idle Dask worker's, and (on agents
 * with a 256 MiB memory budget) 1 GiB streamed from A into a function on B that takes it as a stream, beside raw TCP.
 * Run: `npx -y pnpm@10.34.9 --filter @handoff/bench anchors`
 */
import { setTimeout as sleep } from "node:timers/promises";
import { startStack } from "@handoff/cli/testing";
import { writeBenchFunctions } from "./support/bench-functions.ts";
import { runDaskAnchor } from "./support/dask-anchor.ts";
import { startInstalledAgent } from "./support/installed-agent.ts";
import { peakRssMiB, processRssMb } from "./support/process-rss.ts";
import { rawTcpMiBs } from "./support/raw-tcp.ts";
import { measureChain, measureFanIn, measureLargeValue, measureTransfer, measureWide } from "./support/shapes.ts";
import { fmt, loadAverage, summarize } from "./support/stats.ts";

const REPETITIONS = 3;
const SIZE_MIB = 256;
const size = SIZE_MIB * 2 ** 20;
const LARGE_MIB = 1024;
const BUDGET_MIB = 256;

const functions = writeBenchFunctions();
const stack = await startStack({
  localMachine: "A",
  agents: ["A", "B"].map((name) => ({ name, capacity: { cpu: 4, slots: 4 }, functions: [functions] })),
});
const ours = {
  wide: [] as number[],
  chain: [] as number[],
  transfer: [] as number[],
  transferConsumerCpuMs: [] as number[],
  raw: [] as number[],
  ratio: [] as number[],
  fanIn: [] as number[],
  fanInBeforeCall: [] as number[],
  idleRssMb: undefined as number | undefined,
  idleInstalledRssMb: undefined as number | undefined,
  large: [] as number[],
  largeRaw: [] as number[],
  largeRatio: [] as number[],
  largeWire: [] as number[],
  largePeak: { A: [0, 0], B: [0, 0] },
};
try {
  // Idle: joined, nothing run yet, past the executor's idle-worker retirement (30 s). Beside A (from source through
  // tsx), an agent as installed (the bundle from /install/agent.mjs) with the same functions and 4 slots.
  const installed = await startInstalledAgent(stack, "idle-installed", ["--capacity", "cpu=4,slots=4", "--functions", functions]);
  try {
    await sleep(35_000);
    ours.idleRssMb = processRssMb(stack.agents.get("A")?.pid);
    ours.idleInstalledRssMb = processRssMb(installed.pid);
  } finally {
    installed.kill("SIGKILL");
  }
  await measureWide(stack, 200);
  await measureChain(stack, 50);
  await measureTransfer(stack, 1024);
  await measureFanIn(stack, 100);
  for (let i = 0; i < REPETITIONS; i++) {
    ours.wide.push(await measureWide(stack));
    ours.chain.push((await measureChain(stack)).msPerHop);
    const raw = await rawTcpMiBs(size);
    const figure = await measureTransfer(stack, size);
    const transfer = SIZE_MIB / (figure.endToEndMs / 1000);
    ours.transferConsumerCpuMs.push(figure.consumer.cpuMs);
    ours.raw.push(raw);
    ours.transfer.push(transfer);
    ours.ratio.push(transfer / raw);
    const fanIn = await measureFanIn(stack, 10_000);
    if (fanIn.downloads !== 10_000) throw new Error(`the sink reported ${fanIn.downloads} downloads of 10,000`);
    ours.fanIn.push(fanIn.fetchMs);
    ours.fanInBeforeCall.push(fanIn.beforeCallMs);
    console.log(`  repetition ${i + 1} of ${REPETITIONS} done`);
  }
} finally {
  await stack.stop();
}

// Over the memory budget: agents that keep at most 256 MiB in memory, a 1 GiB value that must stay on disk.
const budgeted = await startStack({
  localMachine: "A",
  agents: ["A", "B"].map((name) => ({ name, capacity: { cpu: 4, slots: 4 }, functions: [functions], extraArgs: ["--memory-budget-mb", String(BUDGET_MIB)] })),
});
try {
  await measureLargeValue(budgeted, 4 * 2 ** 20); // warm-up
  const pid = (name: string): number | undefined => budgeted.agents.get(name)?.pid;
  ours.largePeak = { A: [peakRssMiB(pid("A")) ?? 0, 0], B: [peakRssMiB(pid("B")) ?? 0, 0] };
  for (let i = 0; i < REPETITIONS; i++) {
    const raw = await rawTcpMiBs(LARGE_MIB * 2 ** 20, "file");
    ours.largeWire.push(await rawTcpMiBs(LARGE_MIB * 2 ** 20, "wire"));
    const moved = LARGE_MIB / ((await measureLargeValue(budgeted, LARGE_MIB * 2 ** 20)).fetchMs / 1000);
    ours.largeRaw.push(raw);
    ours.large.push(moved);
    ours.largeRatio.push(moved / raw);
  }
  ours.largePeak.A[1] = peakRssMiB(pid("A")) ?? 0;
  ours.largePeak.B[1] = peakRssMiB(pid("B")) ?? 0;
} finally {
  await budgeted.stop();
}

console.log("\nDask distributed (LocalCluster, 2 processes × 1 thread)…");
const dask = runDaskAnchor(SIZE_MIB);
if (!dask.ok) console.log(`\n!!! DASK ANCHOR SKIPPED: ${dask.reason} !!!\n`);
const theirs = dask.ok ? dask.figures : undefined;

const best = (samples: number[], higherIsBetter: boolean): number => (higherIsBetter ? Math.max(...samples) : Math.min(...samples));
const row = (label: string, samples: number[], dask: number | undefined, unit: string, higherIsBetter: boolean, digits = 1): void => {
  const ourBest = best(samples, higherIsBetter);
  const ratio = dask === undefined ? "—" : fmt(higherIsBetter ? ourBest / dask : dask / ourBest, 2);
  console.log(
    `${label.padEnd(34)} ours ${fmt(ourBest, digits).padStart(9)} ${unit.padEnd(9)} Dask ${(dask === undefined ? "—" : fmt(dask, digits)).padStart(9)}   ours/Dask ${ratio.padStart(5)} (>1 = ahead)   ours ${summarize(samples, digits).text}`,
  );
};
console.log(`\nbest of ${REPETITIONS} after warm-up (load average ${loadAverage()})`);
row("10,000 no-ops + sink", ours.wide, theirs?.wideTasksPerSecond, "tasks/s", true, 0);
row("chain of 1,000", ours.chain, theirs?.chainMsPerHop, "ms/hop", false, 2);
row(`${SIZE_MIB} MiB worker to worker`, ours.transfer, theirs?.transferMiBs, "MiB/s", true, 0);
console.log(
  `${"".padEnd(34)} receiver's CPU per transfer (less at the load's mercy): ours (B's agent) ${summarize(ours.transferConsumerCpuMs, 0).text} ms, Dask (its receiving worker) median ${theirs === undefined ? "—" : fmt(theirs.transferReceiverCpuMs, 0)} ms`,
);
console.log(`${"".padEnd(34)} raw loopback TCP into memory ${summarize(ours.raw, 0).text} MiB/s; ours/raw ${summarize(ours.ratio, 2).text} (target ≥ 0.7)`);
console.log(`${"10,000 × 1 KiB into a sink on B".padEnd(34)} the fetch of all 10,000 ${summarize(ours.fanIn, 0).text} ms (target ≤ 300); assignment to call ${summarize(ours.fanInBeforeCall, 0).text} ms`);
console.log(
  `${`${fmt(LARGE_MIB, 0)} MiB over a ${BUDGET_MIB} MiB budget`.padEnd(34)} ours ${summarize(ours.large, 0).text} MiB/s; raw loopback TCP into a file ${summarize(ours.largeRaw, 0).text} MiB/s; ours/raw ${summarize(ours.largeRatio, 2).text} (target ≥ 0.5); Dask — (not measured)`,
);
console.log(
  `${"".padEnd(34)} raw loopback TCP with nothing kept ${summarize(ours.largeWire, 0).text} MiB/s (the loopback's own speed); peak RSS (VmHWM) A ${fmt(ours.largePeak.A[0]!, 0)} → ${fmt(ours.largePeak.A[1], 0)} MiB, B ${fmt(ours.largePeak.B[0]!, 0)} → ${fmt(ours.largePeak.B[1], 0)} MiB for the ${fmt(LARGE_MIB, 0)} MiB value`,
);
console.log(
  `${"idle RSS".padEnd(34)} agent with 4 slots: as installed (bundle) ${ours.idleInstalledRssMb === undefined ? "—" : fmt(ours.idleInstalledRssMb, 0)} MB, from source through tsx ${ours.idleRssMb === undefined ? "—" : fmt(ours.idleRssMb, 0)} MB; Dask worker ${theirs === undefined ? "—" : fmt(theirs.workerIdleRssMb, 0)} MB (target ≤ 100)`,
);
