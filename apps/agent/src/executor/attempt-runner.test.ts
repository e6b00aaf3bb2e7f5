import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSchedulerState, decide, type SchedulerCommand, type SchedulerEvent } from "@handoff/core";
import type { TaskAssignItem, TaskFinishedItem, TaskLogItem } from "@handoff/protocol";
import { Dag, edge, executeLocal, LOCAL_MACHINE, stdFunctions } from "@handoff/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createResultFetcher } from "../results/result-fetcher.ts";
import { createResultStore, type ResultStore } from "../results/result-store.ts";
import { createAttemptRunner, type AttemptRunner } from "./attempt-runner.ts";
import { createExecutor, type Executor } from "./executor.ts";
import * as parity from "./fixtures/parity-functions.ts";

const parityModule = fileURLToPath(new URL("./fixtures/parity-functions.ts", import.meta.url));

let dir: string;
let store: ResultStore;
let executor: Executor;
let runner: AttemptRunner;
const logs: TaskLogItem[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "handoff-attempts-"));
  store = createResultStore({ dir, memoryBudgetBytes: 1 << 20, diskBudgetBytes: 1 << 30, retentionMs: 60_000 });
  executor = await createExecutor({ modules: [parityModule], slots: 2, machine: LOCAL_MACHINE });
  runner = createAttemptRunner({ machine: LOCAL_MACHINE, store, fetcher: createResultFetcher({ store }), executor, onLog: (item) => logs.push(item) });
});

afterAll(async () => {
  await executor.close();
  await rm(dir, { recursive: true, force: true });
});

/** Drives core's scheduler with this agent's attempt runner as the only machine: the cluster path, minus sockets. */
async function runOnAgent(dag: Dag, runId: string): Promise<{ status: string; results: Record<string, unknown>; reports: TaskFinishedItem[] }> {
  const state = createSchedulerState({ localMachine: LOCAL_MACHINE });
  const reports: TaskFinishedItem[] = [];
  const pending: Promise<void>[] = [];
  let finished: { status: string; results: Record<string, unknown> } | undefined;
  const send = (event: SchedulerEvent): void => execute(decide(state, event).commands);
  const execute = (commands: readonly SchedulerCommand[]): void => {
    for (const command of commands) {
      if (command.type === "run_finished") finished = command.outcome;
      if (command.type !== "assign_task") continue;
      const item: TaskAssignItem = { ...command, inputs: command.inputs as TaskAssignItem["inputs"], extraArgs: [...command.extraArgs] };
      pending.push(
        runner.run(item).then((report) => {
          reports.push(report);
          send(
            report.ok
              ? { type: "attempt_succeeded", now: Date.now(), attemptId: report.attemptId, machine: LOCAL_MACHINE }
              : { type: "attempt_failed", now: Date.now(), attemptId: report.attemptId, machine: LOCAL_MACHINE, error: report.error },
          );
        }),
      );
    }
  };
  const functions = stdFunctions.merge(Object.values(parity)).names();
  send({ type: "machine_joined", now: Date.now(), machine: { name: LOCAL_MACHINE, capacity: { slots: 2 }, functions } });
  send({ type: "run_submitted", now: Date.now(), runId, dag: dag.toSpec(), options: { maxRetries: 0 } });
  while (finished === undefined) {
    const batch = pending.splice(0);
    if (batch.length === 0) throw new Error("the run stalled");
    await Promise.all(batch);
  }
  const results: Record<string, unknown> = {};
  for (const taskId of Object.keys(finished.results)) results[taskId] = await store.get(runId, taskId);
  return { status: finished.status, results, reports };
}

describe("when the agent runs DAG pieces that executeLocal also runs", () => {
  it("gives the same results for inline tasks, as_list, extra args and edge transforms", async () => {
    const dag = new Dag("parity")
      .addTask({ id: "a", fn: "std.constant", extraArgs: [2] })
      .addTask({ id: "b", fn: "std.constant", extraArgs: [[1, 2, 3]] })
      .addTask({ id: "inl", type: "inline", fn: "std.sum", args: ["a", "b"] })
      .addTask({ id: "inl3", type: "inline", fn: "std.sum", args: ["a", "a"], argumentInclusion: "as_list" })
      .addTask({ id: "inl2", type: "inline", fn: "parity.later", args: [edge("a", { decode: { fn: "parity.scale", args: [3] } }), "inl"], extraArgs: ["z"] })
      .addTask({
        id: "c",
        fn: "parity.pack",
        args: [edge("a", { decode: { fn: "parity.scale", args: [10] } }), "inl", edge("b", { encode: { fn: "std.pick", args: [1] } })],
        extraArgs: ["x", { k: 1 }],
        argumentInclusion: "as_list",
      })
      .addTask({ id: "d", fn: "parity.pack", args: ["a", "inl3"], extraArgs: [true] })
      .addTask({
        id: "e",
        fn: "parity.pack",
        args: [edge("inl2", { encode: { fn: "parity.route", args: ["enc"] }, decode: { fn: "parity.route", args: ["dec", 1] } }), edge("d", { decode: "parity.route" })],
      })
      .addTask({ id: "f", fn: "parity.later", args: ["e"], argumentInclusion: "as_list" });

    const local = await executeLocal(dag, { functions: Object.values(parity), maxRetries: 0 });
    const agent = await runOnAgent(dag, "parity-run");

    expect(local.failures).toEqual([]);
    expect(local.status).toBe("succeeded");
    expect(agent.status).toBe("succeeded");
    expect(agent.results).toEqual(local.results);
    expect(Object.keys(agent.results).sort()).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(agent.results.c).toEqual([[20, 8, 2], "x", { k: 1 }]);
    expect(agent.results.d).toEqual([2, 4, true]);
  });

  it("reports size, content type and a preview of each stored result", async () => {
    const dag = new Dag("meta").addTask({ id: "big", fn: "std.bytes", extraArgs: [100_000, 7] }).addTask({ id: "text", fn: "std.constant", extraArgs: ["x".repeat(5000)] });
    const agent = await runOnAgent(dag, "meta-run");
    const byTask = new Map(agent.reports.map((r) => [r.attemptId.split("#")[0], r]));
    expect(byTask.get("meta-run/big")).toMatchObject({ ok: true, result: { size: 100_000, contentType: "application/octet-stream", truncated: true } });
    const text = byTask.get("meta-run/text");
    expect(text).toMatchObject({ ok: true, result: { size: 5002, contentType: "application/json", truncated: true } });
    if (text?.ok) expect(text.result.preview.length).toBe(4096);
  });

  it("fails an attempt whose result cannot be stored, naming where the problem is", async () => {
    const dag = new Dag("nan").addTask({ id: "ratio", fn: "std.constant", extraArgs: ["abc"] }).addTask({ id: "bad", fn: "parity.pack", args: [edge("ratio", { decode: { fn: "parity.scale", args: [2] } })] });
    // "abc" * 2 is NaN: JSON would write null silently; the agent refuses instead.
    const agent = await runOnAgent(dag, "nan-run");
    expect(agent.status).toBe("failed");
    const failed = agent.reports.find((r) => !r.ok);
    expect(failed).toMatchObject({ ok: false, error: { kind: "function_failed" } });
    if (failed !== undefined && !failed.ok) expect(failed.error.message).toMatch(/cannot be stored: .*\[0\]/);
  });

  it("fails with result_lost when an input is neither here nor fetchable", async () => {
    const report = await runner.run({
      attemptId: "ghost/x#1",
      runId: "ghost",
      taskId: "x",
      attempt: 1,
      fn: "std.identity",
      inputs: [{ kind: "result", taskId: "gone", machine: "machine-z" }],
      extraArgs: [],
      argumentInclusion: "variadic",
    });
    expect(report).toMatchObject({ ok: false, error: { kind: "result_lost" } });
    if (!report.ok) expect(report.error.message).toMatch(/input "gone" is not stored on local .*machine-z/);
  });
});

describe("when an attempt is aborted while its inputs are still being fetched", () => {
  it("reports cancelled or timeout without waiting for the download", async () => {
    // A holder that accepts the connection and never answers.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address() as { port: number };
    const fetchInput = (taskId: string) => [{ kind: "result" as const, taskId, machine: "machine-z", fetch: { url: `http://127.0.0.1:${address.port}`, grant: "a.b" } }];
    try {
      const base = { runId: "hang", attempt: 1, fn: "std.identity", extraArgs: [], argumentInclusion: "variadic" as const };
      const cancelled = runner.run({ ...base, attemptId: "hang/a#1", taskId: "a", inputs: fetchInput("x") });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(runner.isRunning("hang/a#1")).toBe(true);
      expect(runner.abort("hang/a#1", "cancelled")).toBe(true);
      expect(await cancelled).toMatchObject({ ok: false, error: { kind: "cancelled" } });
      const timedOut = await runner.run({ ...base, attemptId: "hang/b#1", taskId: "b", inputs: fetchInput("y"), timeoutMs: 100 });
      expect(timedOut).toMatchObject({ ok: false, error: { kind: "timeout" } });
      expect(runner.running()).toEqual([]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
