// The agent's own per-attempt work on its main thread (the attempt runner: inputs, timers, store, preview, the report
// item) for no-op attempts, with an executor that answers at once (no worker thread, no socket), so only that code's
// CPU shows: process CPU per attempt, 8 in flight, 20,000 attempts a round, median of the warm rounds (the first two
// are left out). Run it in two worktrees in turn to compare. `npx tsx scripts/runner-bench.ts`; `VALUE=object` returns
// a small object instead of a number, `ROUNDS` (default 8).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskAssignItem } from "@handoff/protocol";
import { createResultFetcher } from "../src/results/result-fetcher.ts";
import { createResultStore } from "../src/results/result-store.ts";
import { createAttemptRunner } from "../src/executor/attempt-runner.ts";
import type { Executor } from "../src/executor/executor.ts";

const value = process.env["VALUE"] === "object" ? (i: number) => ({ index: i, name: `task-${i}`, ok: true, list: [1, 2, 3] }) : (i: number) => i;
const executor: Executor = {
  catalogue: [], reload: async () => [], transform: async () => ({ ok: false, kind: "function_failed", message: "", metrics: { wallMs: 0 } }),
  run: async (_id, call) => ({ ok: true, value: value(Number(call.extraArgs[0])), metrics: { wallMs: 0.01, cpuMs: 0.01, heapUsedMb: 5 } }),
  abort: () => false, running: () => [], close: async () => undefined,
};
const dir = await mkdtemp(join(tmpdir(), "runner-bench-"));
const store = createResultStore({ dir, memoryBudgetBytes: 1 << 30, diskBudgetBytes: 1 << 30, retentionMs: 3_600_000 });
const runner = createAttemptRunner({ machine: "m", store, fetcher: createResultFetcher({ store }), executor, onLog: () => undefined });
const N = 20_000;
let run = 0;
const round = async (): Promise<number> => {
  run += 1;
  const before = process.cpuUsage();
  const items: Promise<unknown>[] = [];
  for (let i = 0; i < N; i++) {
    const item: TaskAssignItem = { attemptId: `r${run}/t${i}#1`, runId: `r${run}`, taskId: `t${i}`, attempt: 1, fn: "noop", inputs: [], extraArgs: [i], argumentInclusion: "variadic", timeoutMs: 60_000 };
    items.push(runner.run(item));
    if (items.length >= 8) await Promise.all(items.splice(0));
  }
  await Promise.all(items);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
};
const out: number[] = [];
for (let r = 0; r < Number(process.env["ROUNDS"] ?? 8); r++) out.push(await round());
const warm = out.slice(2).sort((a, b) => a - b);
console.log(`${process.env["LABEL"] ?? "runner"}: µs/attempt warm median ${warm[Math.floor(warm.length / 2)]!.toFixed(2)} (${warm[0]!.toFixed(2)}–${warm.at(-1)!.toFixed(2)})`);
