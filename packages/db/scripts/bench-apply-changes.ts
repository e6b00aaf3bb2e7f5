// Prints how long applyChanges() takes for one tick that updates 10,000 tasks (the scheduler's write-behind).
// Run: pnpm --filter @handoff/db exec tsx scripts/bench-apply-changes.ts [postgresql://...]
import { openTestDatabase } from "../src/testing/index.ts";

const taskCount = 10_000;
// CPU time of this process beside the wall-clock: on a shared machine the wall-clock mostly measures the neighbours.
let cpu0 = process.cpuUsage();
const took = (t0: number): string => {
  const cpu = process.cpuUsage(cpu0);
  cpu0 = process.cpuUsage();
  return `${(performance.now() - t0).toFixed(0)} ms (CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms)`;
};
const provider = process.argv[2] === undefined ? "sqlite" : "postgresql";
const test = await openTestDatabase(provider, process.argv[2]);
try {
  const tasks = Array.from({ length: taskCount }, (_, i) => ({ taskId: `t${i}`, state: "waiting_for_dependencies" as const }));
  let t0 = performance.now();
  cpu0 = process.cpuUsage();
  const run = await test.db.runs.create({ dagId: null, dagVersion: null, spec: {}, options: {}, status: "running", startedBy: null, tasks });
  console.log(`${provider}: create run with ${taskCount} tasks: ${took(t0)}`);

  t0 = performance.now();
  cpu0 = process.cpuUsage();
  await test.db.runs.applyChanges({ tasks: tasks.map((t) => ({ runId: run.id, taskId: t.taskId, state: "waiting_for_resources" as const, reason: "no free cpu" })) });
  console.log(`${provider}: ${taskCount} identical task updates in one batch: ${took(t0)}`);

  t0 = performance.now();
  cpu0 = process.cpuUsage();
  await test.db.runs.applyChanges({
    tasks: tasks.map((t) => ({ runId: run.id, taskId: t.taskId, state: "running" as const, machine: "m1", attempts: 1, startedAt: new Date() })),
    attempts: tasks.map((t) => ({ id: `${run.id}/${t.taskId}#1`, runId: run.id, taskId: t.taskId, number: 1, state: "running" as const, machine: "m1", startedAt: new Date() })),
  });
  console.log(`${provider}: ${taskCount} tasks started + ${taskCount} attempts created in one batch: ${took(t0)}`);

  const now = new Date();
  t0 = performance.now();
  cpu0 = process.cpuUsage();
  await test.db.runs.applyChanges({
    tasks: tasks.map((t, i) => ({ runId: run.id, taskId: t.taskId, state: "succeeded" as const, resultMachine: "m1", resultSize: i, resultPreview: String(i), finishedAt: now })),
    runs: [{ runId: run.id, status: "succeeded", finishedAt: now }],
  });
  console.log(`${provider}: ${taskCount} distinct task updates + run status in one batch: ${took(t0)}`);
} finally {
  await test.dispose();
}
