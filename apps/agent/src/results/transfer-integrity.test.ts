import { createHash, randomFillSync } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signGrant, type FetchProofSubject } from "@handoff/protocol/grant";
import { generateMachineKey, loadMachineKey, signFetchProof } from "@handoff/protocol/machine-identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResultFetcher } from "./result-fetcher.ts";
import { startResultServer, type ResultServer } from "./result-server.ts";
import { createResultStore, type ResultStore } from "./result-store.ts";

// Values move from a real result server into a real fetcher and store, and arrive intact: checked by hash, at the
// sizes where chunking and the memory budget change the path.
const MiB = 2 ** 20;
const secret = "transfer-integrity-test-secret-0123456789";
const consumerKey = loadMachineKey(generateMachineKey().privateKeyPem);
const prove = (subject: FetchProofSubject): string => signFetchProof(consumerKey.privateKey, subject, Date.now());
const grantFor = (runId: string, taskId: string): string =>
  signGrant(secret, { runId, taskId, holder: "machine-a", audience: "machine-b", audienceKey: consumerKey.publicKey, expiresAt: Date.now() + 60_000 });
const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

let dir: string;
let holder: ResultStore;
let server: ResultServer;

const storeIn = (name: string, memoryBudgetBytes: number): ResultStore =>
  createResultStore({ dir: join(dir, name), memoryBudgetBytes, diskBudgetBytes: 4096 * MiB, retentionMs: 60_000 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "handoff-transfer-integrity-"));
  holder = storeIn("holder", 512 * MiB);
  server = await startResultServer({ store: holder, secret, machine: "machine-a" });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

async function moveIntact(runId: string, size: number, consumer: ResultStore): Promise<void> {
  const original = randomFillSync(new Uint8Array(size));
  const expected = sha256(original);
  await holder.put(runId, "blob", original, { isOwned: true });
  const fetcher = createResultFetcher({ store: consumer, prove });

  const outcome = await fetcher.fetch({ url: server.url, runId, taskId: "blob", grant: grantFor(runId, "blob") });

  expect(outcome.ok).toBe(true);
  const value = outcome.ok ? (outcome.value as Uint8Array) : new Uint8Array();
  expect(value.byteLength).toBe(size);
  expect(sha256(value)).toBe(expected);
  expect(sha256((await consumer.get(runId, "blob")) as Uint8Array)).toBe(expected);
  await holder.delete(runId, "blob");
}

describe("a binary value fetched from its holder", () => {
  it.each([
    ["0 B", 0],
    ["1 B", 1],
    ["1 MiB − 1", MiB - 1],
    ["1 MiB + 1", MiB + 1],
    ["9 MiB (several reads)", 9 * MiB + 7],
  ])("arrives intact at %s, kept in memory", async (label, size) => {
    const consumer = storeIn(`consumer-${size}`, 64 * MiB);
    await moveIntact(`run-${label}`, size, consumer);
    expect(consumer.meta(`run-${label}`, "blob")?.location).toBe("memory");
  });

  it("arrives intact over the consumer's memory budget, written to disk as it arrives", async () => {
    const consumer = storeIn("consumer-small-budget", 1 * MiB);
    await moveIntact("run-over-budget", 3 * MiB + 5, consumer);
    expect(consumer.meta("run-over-budget", "blob")?.location).toBe("disk");
    expect(consumer.stats().memoryBytes).toBe(0);
    expect(await readdir(join(dir, "consumer-small-budget"))).toHaveLength(1);
  });

  it("arrives intact from the holder's disk into the consumer's, through blocks reused many times over", async () => {
    const size = 37 * MiB + 3; // over two turns of both sides' block rings, ending in a partial block
    const original = randomFillSync(new Uint8Array(size));
    await holder.put("run-disk", "blob", original);
    expect(await holder.pathOf("run-disk", "blob")).toBeDefined(); // spilled: served from its file
    const consumer = storeIn("consumer-disk", 4 * MiB);

    const outcome = await createResultFetcher({ store: consumer, prove }).fetch({ url: server.url, runId: "run-disk", taskId: "blob", grant: grantFor("run-disk", "blob"), materialize: false });

    expect(outcome).toMatchObject({ ok: true, value: undefined, size });
    expect(consumer.meta("run-disk", "blob")?.location).toBe("disk");
    expect(sha256((await consumer.get("run-disk", "blob")) as Uint8Array)).toBe(sha256(original));
    await holder.delete("run-disk", "blob");
  });

  it("arrives intact at 256 MiB", { timeout: 120_000 }, async () => {
    const consumer = storeIn("consumer-256", 512 * MiB);
    await moveIntact("run-256", 256 * MiB, consumer);
  });

  it("arrives intact twice over one kept-alive connection, then as JSON", async () => {
    const consumer = storeIn("consumer-reuse", 64 * MiB);
    await moveIntact("run-reuse-1", 2 * MiB + 3, consumer);
    await moveIntact("run-reuse-2", 17, consumer);
    const value = { rows: Array.from({ length: 1000 }, (_, i) => ({ i, label: `row ${i}` })) };
    await holder.put("run-json", "rows", value);
    const outcome = await createResultFetcher({ store: consumer, prove }).fetch({ url: server.url, runId: "run-json", taskId: "rows", grant: grantFor("run-json", "rows") });
    expect(outcome).toMatchObject({ ok: true, value });
  });
});
