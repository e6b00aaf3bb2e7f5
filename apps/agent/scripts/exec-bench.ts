// No-op attempts through the worker pool (4 slots): jobs per second and CPU per job, for every job queued at once
// (wide), 8 in flight (an agent's 4 slots + 4 assigned ahead) and one at a time (a chain). CPU is the process's
// (`process.cpuUsage`: every thread) and, on Linux, the main thread's alone (/proc/self/task/<pid>/stat, 10 ms ticks);
// the difference is the workers'. Every worker is started before anything is measured (a worker loads its modules
// through tsx here: seconds of CPU on a loaded machine, which would otherwise land in the first figure).
// `npx tsx scripts/exec-bench.ts [jobs]` (default 5,000; 100–100,000).
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createExecutor } from "../src/executor/executor.ts";
import type { AttemptCall } from "../src/executor/worker-messages.ts";

const jobs = Math.min(100_000, Math.max(100, Number(process.argv[2] ?? 5_000) || 5_000));
const slots = 4;
const executor = await createExecutor({ modules: [], slots, machine: "m" });
const call = (taskId: string, value: number, fn = "std.constant"): AttemptCall => ({ runId: "r", taskId, attempt: 1, fn, inputs: [], extraArgs: [value], argumentInclusion: "variadic" });

const processCpu = (): number => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};
/** µs of CPU the main thread used so far; NaN where /proc is missing. */
const mainThreadCpu = (): number => {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
};

async function measure(label: string, count: number, work: () => Promise<unknown>): Promise<void> {
  const [cpu, main, start] = [processCpu(), mainThreadCpu(), performance.now()];
  await work();
  const ms = performance.now() - start;
  const perJob = (processCpu() - cpu) / count;
  const mainPerJob = (mainThreadCpu() - main) / count;
  console.log(`${label}: ${Math.round(count / (ms / 1000))} jobs/s, CPU ${perJob.toFixed(1)} µs/job (main thread ${mainPerJob.toFixed(1)}, workers ${(perJob - mainPerJob).toFixed(1)})`);
}

// Every worker started: a sleep in each slot (a worker takes the next one only when its sleep ends), then the JIT warmed.
await Promise.all(Array.from({ length: slots }, (_, i) => executor.run(`warm/s${i}#1`, call(`s${i}`, 5_000, "std.sleep"))));
await Promise.all(Array.from({ length: 3_000 }, (_, i) => executor.run(`warm/t${i}#1`, call(`w${i}`, i))));

console.log(`${jobs} no-op jobs, ${slots} slots; load average ${loadavg().map((n) => n.toFixed(1)).join(" ")}`);
await measure("wide (all queued at once)", jobs, () => Promise.all(Array.from({ length: jobs }, (_, i) => executor.run(`r/t${i}#1`, call(`t${i}`, i)))));
let next = 0;
await measure("8 in flight", jobs, () =>
  Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < jobs) {
        const i = next++;
        await executor.run(`e/t${i}#1`, call(`e${i}`, i));
      }
    }),
  ),
);
const sequential = Math.min(jobs, 1_000);
await measure("one at a time", sequential, async () => {
  for (let i = 0; i < sequential; i++) await executor.run(`s/t${i}#1`, call(`q${i}`, i));
});
await executor.close();
