/**
 * Cluster figures with the real stack (a server process and two agent processes on loopback, SQLite):
 * throughput of many small tasks, per-hop latency of a chain, and a 256 MiB value moving between
 * agents, compared with raw loopback TCP between two Node processes measured in this same run.
 * `anchors.ts` runs the same shapes against Dask; `transfer.bench.ts` repeats the transfer alone.
 */
import { availableParallelism, cpus, totalmem } from "node:os";
import { startStack } from "@handoff/cli/testing";
import { writeBenchFunctions } from "./support/bench-functions.ts";
import { rawTcpMiBs } from "./support/raw-tcp.ts";
import { measureChain, measureFanIn, measureTransfer, measureWide } from "./support/shapes.ts";
import { fmt, loadAverage } from "./support/stats.ts";

const functions = writeBenchFunctions();
console.log(`machine: ${cpus()[0]?.model ?? "unknown cpu"} × ${availableParallelism()}, ${fmt(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log("cluster: one server process + agents A and B (4 slots each) on loopback, SQLite\n");

const stack = await startStack({
  localMachine: "A",
  verbose: process.env["HANDOFF_BENCH_VERBOSE"] === "1",
  agents: ["A", "B"].map((name) => ({ name, capacity: { cpu: 4, slots: 4 }, functions: [functions] })),
});
try {
  await measureWide(stack, 200); // warm-up: module loading, JIT, database

  const tasksPerSecond = await measureWide(stack);
  console.log(`(1) 10,000 no-op tasks + as_list sink: ${fmt(tasksPerSecond, 0)} tasks/s (target ≥ 5,000)`);

  const chain = await measureChain(stack);
  console.log(`(2) chain of 1,000: ${fmt(chain.msPerHop, 2)} ms per hop (target ≤ 0.5), on ${chain.machines.join("+")}`);

  const size = 256 * 2 ** 20;
  const raw = await rawTcpMiBs(size);
  const transfer = await measureTransfer(stack, size);
  const mibs = 256 / (transfer.endToEndMs / 1000);
  console.log(
    `(3) 256 MiB from A to B: ${fmt(transfer.endToEndMs, 0)} ms from assignment to result (grant, fetch, store, call) — ${fmt(mibs)} MiB/s; ` +
      `raw loopback TCP into memory ${fmt(raw)} MiB/s; ratio ${fmt(mibs / raw, 2)} (target ≥ 0.7)` +
      (transfer.fetchMs === undefined ? "" : `; the fetch alone ${fmt(transfer.fetchMs, 0)} ms → ${fmt(256 / (transfer.fetchMs / 1000))} MiB/s`),
  );

  const fanIn = await measureFanIn(stack, 10_000);
  console.log(`(4) 10,000 × 1 KiB from A into one sink on B: the fetch of all ${fmt(fanIn.downloads, 0)} ${fmt(fanIn.fetchMs, 0)} ms (target ≤ 300); assignment to call ${fmt(fanIn.beforeCallMs, 0)} ms; to result ${fmt(fanIn.endToEndMs, 0)} ms; the sink agent's CPU ${fmt(fanIn.sinkCpuMs, 0)} ms (load ${loadAverage()})`);
} finally {
  await stack.stop();
}
