/**
 * Cluster figures with the real stack (a server process and two agent processes on loopback, SQLite):
 * throughput of many small tasks, per-hop latency of a chain, and a 256 MiB value moving between
 * agents, compared with raw loopback TCP between two Node processes measured in this same run.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { startStack } from "@handoff/cli/testing";
import type { DagFile } from "@handoff/protocol";

const fmt = (n: number, digits = 1): string => n.toLocaleString("en-US", { maximumFractionDigits: digits });
type Task = DagFile["tasks"][number];
const file = (name: string, tasks: Task[]): DagFile => ({ format: "handoff.dag", version: 1, name, tasks });

const dir = mkdtempSync(path.join(tmpdir(), "handoff-bench-"));
const functions = path.join(dir, "bench-functions.mjs");
writeFileSync(
  functions,
  `import { defineFunction } from "@handoff/sdk";
export const noop = defineFunction({ name: "bench.noop", run: () => null });
export const count = defineFunction({ name: "bench.count", run: (items) => items.length });
export const recv = defineFunction({ name: "bench.recv", run: (bytes) => bytes.byteLength });
`,
);

/** Raw loopback TCP: a child Node process writes `bytes` to a socket; we time until all arrived. */
async function rawTcpMiBs(bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let started = 0n;
    const server = createServer((socket) => {
      socket.on("data", (chunk: Buffer) => {
        if (received === 0) started = process.hrtime.bigint();
        received += chunk.byteLength;
        if (received >= bytes) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          socket.destroy();
          server.close();
          resolve(bytes / 2 ** 20 / seconds);
        }
      });
    });
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const child = spawn(
        process.execPath,
        [
          "-e",
          `const s=require("net").connect(${port},"127.0.0.1",()=>{const c=Buffer.alloc(1<<20,7);let left=${bytes};const w=()=>{while(left>0){left-=c.length;if(!s.write(c)){s.once("drain",w);return;}}s.end();};w();});`,
        ],
        { stdio: "inherit" },
      );
      child.once("error", reject);
    });
  });
}

console.log(`machine: ${cpus()[0]?.model ?? "unknown cpu"} × ${availableParallelism()}, ${fmt(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log("cluster: one server process + agents A and B (4 slots each) on loopback, SQLite\n");

const stack = await startStack({
  localMachine: "A",
  agents: [
    { name: "A", capacity: { cpu: 4, slots: 4 }, functions: [functions] },
    { name: "B", capacity: { cpu: 4, slots: 4 }, functions: [functions] },
  ],
});
try {
  // Warm-up: module loading, JIT, database.
  await stack.client.execute(file("warm", Array.from({ length: 200 }, (_, i) => ({ id: `w${i}`, fn: "bench.noop" }))));

  const n = 10_000;
  const wide: Task[] = Array.from({ length: n }, (_, i) => ({ id: `t${i}`, fn: "bench.noop" }));
  wide.push({ id: "sink", fn: "bench.count", args: wide.map((task) => task.id), argumentInclusion: "as_list" });
  let start = performance.now();
  const wideOutcome = await stack.client.execute(file("wide", wide), { materialize: true });
  let ms = performance.now() - start;
  if (wideOutcome.results["sink"] !== n) throw new Error(`sink counted ${String(wideOutcome.results["sink"])}`);
  console.log(`(1) 10,000 no-op tasks + as_list sink: ${fmt(ms)} ms — ${fmt((n + 1) / (ms / 1000), 0)} tasks/s (target ≥ 5,000)`);

  const hops = 1000;
  const chain: Task[] = [{ id: "c0", fn: "bench.noop" }];
  for (let i = 1; i < hops; i++) chain.push({ id: `c${i}`, fn: "std.identity", args: [`c${i - 1}`] });
  start = performance.now();
  const chainOutcome = await stack.client.execute(file("chain", chain));
  ms = performance.now() - start;
  if (chainOutcome.status !== "succeeded") throw new Error(`chain ${chainOutcome.status}`);
  const spread = new Set(Object.values(chainOutcome.allocations));
  console.log(`(2) chain of 1,000: ${fmt(ms)} ms — ${fmt(ms / hops, 2)} ms per hop (target ≤ 0.5), on ${[...spread].join("+")}`);

  const size = 256 * 2 ** 20;
  const { runId } = await stack.client.startRun(
    file("transfer", [
      { id: "blob", fn: "std.bytes", extraArgs: [size, 1], placement: { kind: "pinned", machine: "A" } },
      { id: "recv", fn: "bench.recv", args: ["blob"], placement: { kind: "pinned", machine: "B" } },
    ]),
  );
  const transfer = await stack.client.watchRun(runId, () => undefined);
  if (transfer?.status !== "succeeded") throw new Error(`transfer ${transfer?.status ?? "?"}`);
  const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "recv" });
  const recv = attempts[0]!;
  const transferMs = (recv.metrics as { transfers?: { ms: number }[] } | null)?.transfers?.[0]?.ms;
  const seconds = (Date.parse(recv.finishedAt!) - Date.parse(recv.startedAt!)) / 1000;
  const mibs = 256 / seconds;
  const raw = await rawTcpMiBs(size);
  console.log(
    `(3) 256 MiB from A to B: ${fmt(seconds * 1000, 0)} ms from assignment to result (grant, fetch, store, call) — ${fmt(mibs)} MiB/s; ` +
      `raw loopback TCP ${fmt(raw)} MiB/s; ratio ${fmt(mibs / raw, 2)} (target ≥ 0.7)` +
      (transferMs === undefined ? `; (no transfer measured: ${JSON.stringify(recv.metrics)})` : `; the fetch alone (as the agent measured it) ${fmt(transferMs, 0)} ms → ${fmt(256 / (transferMs / 1000))} MiB/s, ratio ${fmt(256 / (transferMs / 1000) / raw, 2)}`),
  );
} finally {
  await stack.stop();
}
