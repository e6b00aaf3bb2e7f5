import type { Stack } from "@handoff/cli/testing";

/** The server process's CPU time so far (user + system, µs), read from its `/metrics` (`process_cpu_*_seconds_total`). */
export async function serverCpuMicros(stack: Stack): Promise<number> {
  const response = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  const text = await response.text();
  const read = (name: string): number => {
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
    if (line === undefined) throw new Error(`/metrics has no ${name}`);
    return Number(line.slice(name.length + 1)) * 1e6;
  };
  return read("process_cpu_user_seconds_total") + read("process_cpu_system_seconds_total");
}

/** The server's idle CPU (heartbeats, load samples, these scrapes), in µs per second of wall-clock, over `ms`. */
export async function serverIdleCpuRate(stack: Stack, ms = 1500): Promise<number> {
  const before = await serverCpuMicros(stack);
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await serverCpuMicros(stack);
  return (after - before) / ((performance.now() - start) / 1000);
}

/**
 * The server's CPU per task of `work` (µs), minus its idle rate over the same wall-clock. Reads after `settleMs`, so
 * the write-behind's last transaction (written after the run's end is announced) is counted.
 */
export async function serverCpuPerTask(stack: Stack, idleRate: number, tasks: number, work: () => Promise<void>, settleMs = 400): Promise<number> {
  const before = await serverCpuMicros(stack);
  const start = performance.now();
  await work();
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const after = await serverCpuMicros(stack);
  const seconds = (performance.now() - start) / 1000;
  return Math.max(0, after - before - idleRate * seconds) / tasks;
}
