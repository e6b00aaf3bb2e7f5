import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { signGrant, signServerProof } from "@handoff/protocol/grant";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFunctionModules, type FunctionFolder } from "../../test/function-fixtures.ts";
import { fetchResult } from "../results/fetch-result.ts";
import { startResultServer, type ResultServer } from "../results/result-server.ts";
import { createResultStore, type ResultStore } from "../results/result-store.ts";
import { createExecutor, type Executor } from "./executor.ts";
import type { AttemptCall } from "./worker-messages.ts";

// Issue #13: typed arrays and Buffers move between worker, store and socket with at most one copy. Each case checks
// where the bytes are (a detached buffer, the same buffer object, shared memory, the size of what is kept), so a copy
// added on any of these paths fails it.
const MiB = 2 ** 20;
const secret = "byte-copies-test-secret-0123456789";
const COPIES_MODULE = `
import { defineFunction } from "@handoff/sdk";
let kept;
export const make = defineFunction({ name: "copies.make", run: (size) => { kept = new Uint8Array(size).fill(9); return kept; } });
export const keptLength = defineFunction({ name: "copies.kept_length", run: () => kept.byteLength });
export const slice = defineFunction({ name: "copies.slice", run: (size) => { const big = new Uint8Array(size * 8).fill(5); return big.subarray(size, size * 2); } });
export const buffer = defineFunction({ name: "copies.buffer", run: (size) => Buffer.alloc(size, 4) });
export const inspect = defineFunction({ name: "copies.inspect", run: (bytes) => ({ isShared: bytes.buffer instanceof SharedArrayBuffer, size: bytes.byteLength }) });
`;

let folder: FunctionFolder;
let executor: Executor;
let dir: string;
let store: ResultStore;
let server: ResultServer;

beforeAll(async () => {
  folder = await writeFunctionModules({ "copies.mjs": COPIES_MODULE });
  // One slot: the same worker runs consecutive calls (its module state tells what happened to a returned buffer).
  executor = await createExecutor({ modules: [join(folder.dir, "copies.mjs")], slots: 1, machine: "a" });
  dir = await mkdtemp(join(tmpdir(), "handoff-copies-"));
  store = createResultStore({ dir, memoryBudgetBytes: 64 * MiB, diskBudgetBytes: 1024 * MiB, retentionMs: 60_000 });
  server = await startResultServer({ store, secret, machine: "a" });
});

afterAll(async () => {
  await server?.close();
  await executor?.close();
  await folder?.remove();
  await rm(dir, { recursive: true, force: true });
});

let seq = 0;
function call(fn: string, extraArgs: unknown[], inputs: unknown[] = []): AttemptCall {
  return {
    runId: "run",
    taskId: `t${++seq}`,
    attempt: 1,
    fn,
    inputs: inputs.map((value, i) => ({ kind: "value", taskId: `in${i}`, source: "a", value })),
    extraArgs,
    argumentInclusion: "variadic",
  };
}

async function served(taskId: string): Promise<string> {
  const grant = signGrant(secret, { runId: "run", taskId, holder: "a", audience: "server", expiresAt: Date.now() + 60_000 });
  const outcome = await fetchResult({ url: server.url, runId: "run", taskId, grant, prove: ({ grants }) => signServerProof(secret, grants, Date.now()) });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.error));
  return createHash("sha256").update(outcome.value as Uint8Array).digest("hex");
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

describe("when a worker returns bytes that the store keeps and serves", () => {
  it("moves a byte array that owns its buffer without a copy: detached in the worker, the same buffer in the store", { timeout: 60_000 }, async () => {
    const outcome = await executor.run("run/make#1", call("copies.make", [8 * MiB]));
    if (!outcome.ok) throw new Error(outcome.message);
    const value = outcome.value as Uint8Array;
    await store.put("run", "made", value, { isOwned: true });
    expect(store.bytesInMemory("run", "made")?.buffer).toBe(value.buffer);
    // Transferred, not cloned: the worker's own array is detached now.
    const kept = await executor.run("run/kept#1", call("copies.kept_length", []));
    expect(kept).toMatchObject({ ok: true, value: 0 });
    // The store still serves it whole (a transferred buffer is the store's now, not a detached one).
    expect(await served("made")).toBe(sha256(new Uint8Array(8 * MiB).fill(9)));
  });

  it("moves only a view's own bytes (one copy), not the whole buffer it is a view of", { timeout: 60_000 }, async () => {
    const outcome = await executor.run("run/slice#1", call("copies.slice", [4 * MiB]));
    if (!outcome.ok) throw new Error(outcome.message);
    await store.put("run", "slice", outcome.value, { isOwned: true });
    const stored = store.bytesInMemory("run", "slice");
    expect(stored?.byteLength).toBe(4 * MiB);
    expect(stored?.buffer.byteLength).toBe(4 * MiB); // a view over the 32 MiB buffer would keep all of it alive
    expect(await served("slice")).toBe(sha256(new Uint8Array(4 * MiB).fill(5)));
  });

  it("moves a Node Buffer like a byte array and serves it", { timeout: 60_000 }, async () => {
    const outcome = await executor.run("run/buffer#1", call("copies.buffer", [2 * MiB]));
    if (!outcome.ok) throw new Error(outcome.message);
    await store.put("run", "buffer", outcome.value, { isOwned: true });
    expect(store.bytesInMemory("run", "buffer")?.buffer).toBe((outcome.value as Uint8Array).buffer);
    expect(await served("buffer")).toBe(sha256(Buffer.alloc(2 * MiB, 4)));
  });
});

describe("when the store hands a value to a worker", () => {
  it("shares a fetched value's memory with the worker (no copy)", { timeout: 60_000 }, async () => {
    const bytes = new Uint8Array(3 * MiB).fill(1);
    await store.putStream("run", "fetched", Readable.from([bytes]), { contentType: "application/octet-stream", size: bytes.byteLength });
    const value = await store.get("run", "fetched", { isShared: true });
    expect(await executor.run("run/inspect#1", call("copies.inspect", [], [value]))).toMatchObject({ ok: true, value: { isShared: true, size: 3 * MiB } });
  });

  it("reads a value kept on disk into shared memory for the worker (no copy after the read)", { timeout: 60_000 }, async () => {
    const big = createResultStore({ dir: join(dir, "small-budget"), memoryBudgetBytes: MiB, diskBudgetBytes: 1024 * MiB, retentionMs: 60_000 });
    await big.put("run", "on-disk", new Uint8Array(3 * MiB).fill(2));
    expect(big.meta("run", "on-disk")?.location).toBe("disk");
    const value = await big.get("run", "on-disk", { isShared: true });
    expect(await executor.run("run/inspect#2", call("copies.inspect", [], [value]))).toMatchObject({ ok: true, value: { isShared: true, size: 3 * MiB } });
    expect(sha256(value as Uint8Array)).toBe(sha256(new Uint8Array(3 * MiB).fill(2)));
  });
});
