// One-off figure, not a benchmark suite: 10,000 values of 1 KiB fetched by one consumer from one holder on loopback
// (startResultServer + createResultFetcher, both in this process), one grant per value against one shared grant
// naming them all, interleaved. Prints wall time and this process's CPU time (holder and consumer together).
// Run: npx tsx scripts/fan-in-fetch.ts [rounds] (ONLY_SHARED=1: the shared grant alone; PROFILE=file.cpuprofile: a CPU
// profile of the rounds after the first, without the setup; PROOF=1: version-1 fetch proofs)
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signGrant, type FetchProofSubject } from "@handoff/protocol/grant";
import { generateMachineKey, loadMachineKey, signFetchProof } from "@handoff/protocol/machine-identity";
import { createResultFetcher } from "../src/results/result-fetcher.ts";
import { startResultServer } from "../src/results/result-server.ts";
import { createResultStore } from "../src/results/result-store.ts";

const count = 10_000;
const rounds = Math.max(1, Number(process.argv[2] ?? 3) || 3);
const secret = "fan-in-fetch-script-secret-0123456789";
const consumer = loadMachineKey(generateMachineKey().privateKeyPem);
const prove = (subject: FetchProofSubject): string => signFetchProof(consumer.privateKey, subject, Date.now());
const dir = await mkdtemp(join(tmpdir(), "handoff-fan-in-"));
const storeIn = (name: string) => createResultStore({ dir: join(dir, name), memoryBudgetBytes: 256 * 2 ** 20, diskBudgetBytes: 2 ** 30, retentionMs: 3_600_000 });
const holder = storeIn("holder");
const names = Array.from({ length: count }, (_, index) => `k${index}`);
for (const [index, name] of names.entries()) await holder.put("run", name, new Uint8Array(1024).fill(index & 255));
const server = await startResultServer({ store: holder, secret, machine: "a" });
// As the server grants for a holder that accepts version-2 fetch proofs (PROOF=1: as for an older holder).
const base = { runId: "run", holder: "a", audience: "b", audienceKey: consumer.publicKey, ...(process.env.PROOF === "1" ? {} : { proof: 2 as const }) };

async function measure(label: string, shared: boolean, round: number): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  // Signing counts: the server does it for every assignment.
  const sharedGrant = shared ? signGrant(secret, { ...base, taskId: names[0]!, taskIds: names, expiresAt: Date.now() + 600_000 }) : "";
  const fetcher = createResultFetcher({ store: storeIn(`consumer-${label}-${round}`), prove });
  const outcomes = await Promise.all(
    names.map((taskId) =>
      shared
        ? fetcher.fetch({ url: server.url, runId: "run", taskId, grant: sharedGrant, isSharedGrant: true })
        : fetcher.fetch({ url: server.url, runId: "run", taskId, grant: signGrant(secret, { ...base, taskId, expiresAt: Date.now() + 600_000 }) }),
    ),
  );
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (outcomes.some((outcome) => !outcome.ok)) throw new Error(`${label}: some fetches failed`);
  console.log(`  ${label.padEnd(22)} ${ms.toFixed(0).padStart(6)} ms wall, ${((used.user + used.system) / 1000).toFixed(0).padStart(6)} ms CPU (signing, serving and fetching ${count.toLocaleString("en")} values)`);
}

const profileTo = process.env.PROFILE;
const session = profileTo === undefined ? undefined : new Session();
for (let round = 1; round <= rounds; round++) {
  if (round === 2 && session !== undefined) {
    session.connect();
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  console.log(`round ${round}`);
  await measure("one shared grant", true, round);
  if (process.env.ONLY_SHARED !== "1") await measure("one grant per value", false, round);
}
if (session !== undefined) await writeFile(profileTo!, JSON.stringify((await session.post("Profiler.stop")).profile));
await server.close();
await rm(dir, { recursive: true, force: true });
