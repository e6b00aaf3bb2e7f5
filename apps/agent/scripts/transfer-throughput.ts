// One-off figure, not a benchmark suite: 256 MiB through startResultServer + createResultFetcher on loopback.
// Run: npx tsx scripts/transfer-throughput.ts
import { randomFillSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchResult } from "../src/results/fetch-result.ts";
import { signGrant } from "@handoff/protocol/grant";
import { createResultFetcher } from "../src/results/result-fetcher.ts";
import { startResultServer } from "../src/results/result-server.ts";
import { createResultStore } from "../src/results/result-store.ts";

const mib = 1024 * 1024;
const size = 256 * mib;
const secret = "throughput-script-secret-0123456789";
const dir = await mkdtemp(join(tmpdir(), "handoff-throughput-"));
const storeIn = (name: string) =>
  createResultStore({ dir: join(dir, name), memoryBudgetBytes: 64 * mib, diskBudgetBytes: 4096 * mib, retentionMs: 3_600_000 });

const holder = storeIn("holder");
await holder.put("run", "blob", randomFillSync(new Uint8Array(size)));
const server = await startResultServer({ store: holder, secret, machine: "a" });
const grant = signGrant(secret, { runId: "run", taskId: "blob", holder: "a", audience: "b", expiresAt: Date.now() + 600_000 });

function report(label: string, started: bigint): void {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${label}: ${(size / mib / seconds).toFixed(0)} MiB/s (${seconds.toFixed(2)} s)`);
}

let started = process.hrtime.bigint();
const viaFetcher = await createResultFetcher({ store: storeIn("local") }).fetch({ url: server.url, runId: "run", taskId: "blob", grant });
report("disk -> http -> local store on disk -> value (fetcher)", started);

started = process.hrtime.bigint();
const direct = await fetchResult({ url: server.url, runId: "run", taskId: "blob", grant });
report("disk -> http -> value in memory (fetchResult, no store)", started);

if (!viaFetcher.ok || !direct.ok) throw new Error("transfer failed");
await server.close();
await rm(dir, { recursive: true, force: true });
