import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskAssignItem } from "@handoff/protocol";
import { LOCAL_MACHINE } from "@handoff/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResultFetcher } from "../results/result-fetcher.ts";
import { createResultStore, type ResultStore } from "../results/result-store.ts";
import { createAttemptRunner, type AttemptRunner } from "./attempt-runner.ts";
import { createExecutor, type Executor } from "./executor.ts";

// Pre-assigned attempts (issue #15): an input naming `after` is made by an attempt on this same agent; the attempt is
// held until that value is stored here, then runs without the server, and is dropped when the producer ends without it.

let dir: string;
let store: ResultStore;
let executor: Executor;
let runner: AttemptRunner;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "handoff-producer-waits-"));
  store = createResultStore({ dir, memoryBudgetBytes: 1 << 20, diskBudgetBytes: 1 << 30, retentionMs: 60_000 });
  executor = await createExecutor({ modules: [], slots: 2, machine: LOCAL_MACHINE });
  runner = createAttemptRunner({ machine: LOCAL_MACHINE, store, fetcher: createResultFetcher({ store }), executor, onLog: () => undefined });
});

afterAll(async () => {
  await executor.close();
  await rm(dir, { recursive: true, force: true });
});

const item = (runId: string, taskId: string, fn: string, extraArgs: unknown[], after?: string, extra: Partial<TaskAssignItem> = {}): TaskAssignItem => ({
  attemptId: `${runId}/${taskId}#1`,
  runId,
  taskId,
  attempt: 1,
  fn,
  inputs: after === undefined ? [] : [{ kind: "result", taskId: after.split("/")[1]!.split("#")[0]!, machine: LOCAL_MACHINE, after }],
  extraArgs,
  argumentInclusion: "variadic",
  ...extra,
});

describe("an attempt pre-assigned after its producer on this agent", () => {
  it("waits for the producer's value in the store, then runs with it; the wait does not count toward its timeout", async () => {
    const producer = runner.run(item("chain", "p", "std.sleep", [300, 42]));
    // Its timeout (150 ms) is shorter than the producer's run: it starts once the value is here.
    const consumer = runner.run(item("chain", "c", "std.identity", [], "chain/p#1", { timeoutMs: 150 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runner.running().sort()).toEqual(["chain/c#1", "chain/p#1"]);
    expect(store.has("chain", "c")).toBe(false);
    expect(await producer).toMatchObject({ ok: true });
    expect(await consumer).toMatchObject({ ok: true });
    expect(await store.get("chain", "c")).toBe(42);
  });

  it("runs at once when the producer's value is stored already", async () => {
    expect(await runner.run(item("done", "p", "std.constant", [7]))).toMatchObject({ ok: true });
    expect(await runner.run(item("done", "c", "std.identity", [], "done/p#1"))).toMatchObject({ ok: true });
    expect(await store.get("done", "c")).toBe(7);
  });

  it("is dropped (result_lost) when its producer fails here, or is not here at all", async () => {
    const producer = runner.run(item("bad", "p", "std.fail", ["boom"]));
    const consumer = runner.run(item("bad", "c", "std.identity", [], "bad/p#1"));
    expect(await producer).toMatchObject({ ok: false, error: { kind: "function_failed" } });
    const dropped = await consumer;
    expect(dropped).toMatchObject({ ok: false, error: { kind: "result_lost" } });
    if (!dropped.ok) expect(dropped.error.message).toMatch(/bad\/p#1 ended on this machine without a value/);
    expect(await runner.run(item("ghost", "c", "std.identity", [], "ghost/p#1"))).toMatchObject({ ok: false, error: { kind: "result_lost" } });
    expect(runner.running()).toEqual([]);
  });

  it("ends at once when aborted while it waits (the server withdrew it)", async () => {
    const producer = runner.run(item("withdrawn", "p", "std.sleep", [300, 1]));
    const consumer = runner.run(item("withdrawn", "c", "std.identity", [], "withdrawn/p#1"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runner.abort("withdrawn/c#1", "cancelled")).toBe(true);
    expect(await consumer).toMatchObject({ ok: false, error: { kind: "cancelled" } });
    expect(runner.isRunning("withdrawn/p#1")).toBe(true);
    runner.abort("withdrawn/p#1", "cancelled");
    await producer;
    expect(runner.running()).toEqual([]);
  });
});
