import { cpus, freemem, totalmem } from "node:os";

export type MachineLoad = { readonly cpuPercent: number; readonly memoryUsedMb: number; readonly memoryTotalMb: number };

/**
 * Measures the machine's CPU use since the previous sample (busy share of all cores, 0–100, from `os.cpus()` time
 * deltas) and its memory in use (`totalmem - freemem`, MB). The first sample covers the time since boot.
 */
export function createLoadSampler(): () => MachineLoad {
  let previous = cpuTimes();
  return () => {
    const current = cpuTimes();
    const total = current.total - previous.total;
    const idle = current.idle - previous.idle;
    previous = current;
    const cpuPercent = total <= 0 ? 0 : Math.min(100, Math.max(0, ((total - idle) / total) * 100));
    const mb = 1024 * 1024;
    return { cpuPercent, memoryUsedMb: (totalmem() - freemem()) / mb, memoryTotalMb: totalmem() / mb };
  };
}

function cpuTimes(): { total: number; idle: number } {
  let total = 0;
  let idle = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, irq, idle: idleMs } = cpu.times;
    total += user + nice + sys + irq + idleMs;
    idle += idleMs;
  }
  return { total, idle };
}

/**
 * One sampler for many machines on one host (`--simulate`): a sample younger than `minIntervalMs` is handed out again,
 * so 200 machines' heartbeats read the host's CPU times twice a second rather than 200 times.
 * @example const sampleLoad = createSharedLoadSampler(500); // given to every simulated machine
 */
export function createSharedLoadSampler(minIntervalMs: number): () => MachineLoad {
  const sample = createLoadSampler();
  let last: MachineLoad | undefined;
  let takenAt = 0;
  return () => {
    const now = performance.now();
    if (last === undefined || now - takenAt >= minIntervalMs) {
      last = sample();
      takenAt = now;
    }
    return last;
  };
}
