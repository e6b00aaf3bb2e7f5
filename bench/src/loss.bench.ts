/**
 * Issue #11's loss scenario at full size: 300 runs × 100 tasks (a root, 98 fan-out tasks, a sink) on two agents,
 * one of them SIGKILLed once a third of the runs have ended and started again under its name. Prints how many runs
 * succeeded, how many outputs were readable at once, how many were lost after their run had ended (and answered
 * `result_lost`), how many `results.recompute` brought back, and anything else (which should be zero).
 *
 * Run: npx -y pnpm@10.34.9 --filter @handoff/bench exec tsx src/loss.bench.ts [runs] [tasksPerRun]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStack } from "@handoff/cli/testing";
import { isTerminalRunStatus } from "@handoff/core";
import type { DagFile } from "@handoff/protocol";
import { HandoffApiError } from "@handoff/sdk";

type Task = DagFile["tasks"][number];
const runs = Math.min(Math.max(Number(process.argv[2] ?? 300), 1), 2000);
const tasksPerRun = Math.min(Math.max(Number(process.argv[3] ?? 100), 3), 1000);
const width = tasksPerRun - 2;

const dir = mkdtempSync(path.join(tmpdir(), "handoff-loss-bench-"));
const functions = path.join(dir, "loss-functions.mjs");
writeFileSync(
  functions,
  `import { defineFunction } from "@handoff/sdk";
export const pauseAdd = defineFunction({
  name: "bench.pause_add",
  run: async (...xs) => { await new Promise((r) => setTimeout(r, xs[xs.length - 1])); return xs.slice(0, -1).reduce((a, b) => a + b, 0); },
});
`,
);

const dag = (root: number): DagFile => {
  const mids: Task[] = Array.from({ length: width }, (_, k) => ({ id: `m${k + 1}`, fn: "bench.pause_add", args: ["root"], extraArgs: [k + 1, 2] }));
  return {
    format: "handoff.dag",
    version: 1,
    name: `loss-${root}`,
    strategy: "load_balanced",
    tasks: [{ id: "root", fn: "std.constant", extraArgs: [root] }, ...mids, { id: "sink", fn: "bench.pause_add", args: mids.map((task) => task.id), extraArgs: [0, 2] }],
  };
};
const expected = (root: number): number => width * root + (width * (width + 1)) / 2;
const agent = (name: string) => ({ name, capacity: { cpu: 4, slots: 4 }, functions: [functions] });

const stack = await startStack({ agents: [agent("a"), agent("b")], serverEnv: { HANDOFF_NO_MACHINE_GRACE_MS: "120000" } });
try {
  const started: { runId: string; root: number }[] = [];
  const t0 = Date.now();
  for (let i = 0; i < runs; i++) started.push({ runId: (await stack.client.startRun(dag(i))).runId, root: i });
  const ids = new Set(started.map((run) => run.runId));
  const ended = async (): Promise<number> => {
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = await stack.client.listRuns({ limit: 200, ...(cursor === undefined ? {} : { cursor }) });
      count += page.items.filter((run) => ids.has(run.runId) && isTerminalRunStatus(run.status)).length;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return count;
  };
  while ((await ended()) < Math.ceil(runs / 3)) await new Promise((r) => setTimeout(r, 200));
  const endedAtKill = await ended();
  await stack.killAgent("b");
  await stack.startAgent(agent("b"));
  await stack.waitForMachines(["b"]);
  while ((await ended()) < runs) await new Promise((r) => setTimeout(r, 500));
  const tookS = (Date.now() - t0) / 1000;

  const counts = { succeeded: 0, readable: 0, lostAfterEnd: 0, recomputed: 0, wrong: 0, other: [] as string[] };
  const lost: { runId: string; root: number }[] = [];
  for (const { runId, root } of started) {
    const run = await stack.client.getRun(runId);
    if (run.status === "succeeded") counts.succeeded += 1;
    try {
      const value = await stack.client.getValue(runId, "sink");
      if (value === expected(root)) counts.readable += 1;
      else counts.wrong += 1;
    } catch (error) {
      if (error instanceof HandoffApiError && error.kind === "result_lost") {
        counts.lostAfterEnd += 1;
        lost.push({ runId, root });
      } else counts.other.push(`${runId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const { runId, root } of lost) {
    const again = await stack.client.recompute(runId, "sink");
    if (again.outcome?.status === "succeeded" && (await stack.client.getValue(runId, "sink")) === expected(root)) counts.recomputed += 1;
  }

  console.log(`loss bench: ${runs} runs × ${tasksPerRun} tasks on agents a and b; b SIGKILLed and restarted after ${endedAtKill} runs had ended (${tookS.toFixed(1)} s in all)`);
  console.log(`  runs succeeded                         ${counts.succeeded} / ${runs}`);
  console.log(`  outputs readable at once               ${counts.readable}`);
  console.log(`  outputs lost after their run ended     ${counts.lostAfterEnd} (answered result_lost)`);
  console.log(`  of those, recomputed and readable      ${counts.recomputed}`);
  console.log(`  wrong values                           ${counts.wrong}`);
  console.log(`  other failures                         ${counts.other.length}${counts.other.length > 0 ? `\n    ${counts.other.slice(0, 10).join("\n    ")}` : ""}`);
} finally {
  await stack.stop();
}
