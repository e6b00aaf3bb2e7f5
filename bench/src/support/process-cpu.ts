import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these

/** CPU seconds (user + system) a process has used so far, from /proc; undefined elsewhere or when it is gone. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  return processCounters(pid)?.cpuSeconds;
}

/**
 * A process's CPU seconds (user + system) and minor page faults so far (each a page touched for the first time: on
 * the benches' guests, fresh memory is what a large transfer pays for), from /proc; undefined elsewhere or when gone.
 */
export function processCounters(pid: number | undefined): { readonly cpuSeconds: number; readonly minorFaults: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, minorFaults: Number(fields[7]) };
  } catch {
    return undefined;
  }
}

/** The pid of the process whose command line holds every one of `parts` (the first found); undefined when none. */
export function findProcess(parts: readonly string[]): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (parts.every((part) => args.includes(part))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}
