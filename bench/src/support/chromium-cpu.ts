import { readdirSync, readFileSync } from "node:fs";
import type { CDPSession, Page } from "@playwright/test";
import { processCpuSeconds } from "./process-cpu.ts";

/** A process's parent pid and the first word of its command line, from /proc; undefined when it is gone. */
function processEntry(pid: number): { parent: number; command: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ")": state, then the parent.
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
    return { parent, command };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) used so far by the Chromium processes this process started (the browser, its
 * renderers, GPU and utility processes): every descendant of `rootPid` whose program's path holds `chromium`.
 * Read from /proc, so it is CPU time, not wall-clock: a loaded machine slows Chromium but does not inflate
 * this. Undefined where there is no /proc. A process that exited meanwhile drops out (its time is lost).
 */
export function chromiumCpuSeconds(rootPid = process.pid): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of entries) {
    const pid = Number(entry);
    const info = processEntry(pid);
    if (info === undefined) continue;
    commands.set(pid, info.command);
    const siblings = children.get(info.parent) ?? children.set(info.parent, []).get(info.parent)!;
    siblings.push(pid);
  }
  let total = 0;
  const pending = [...(children.get(rootPid) ?? [])];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    pending.push(...(children.get(pid) ?? []));
    if ((commands.get(pid) ?? "").includes("chromium")) total += processCpuSeconds(pid) ?? 0;
  }
  return total;
}

/** The page's renderer as Chromium's own counters see it (CDP `Performance.getMetrics`), in seconds. */
export interface RendererTimes {
  /** CPU time of the renderer's main thread (ThreadTime). */
  readonly mainThreadCpu: number;
  /** Wall-clock time of the main thread's tasks (TaskDuration): stretched by a loaded machine. */
  readonly taskDuration: number;
}

/** Opens a CDP session on `page` with its performance counters on; read them with `rendererTimes`. */
export async function rendererCounters(page: Page): Promise<CDPSession> {
  const session = await page.context().newCDPSession(page);
  await session.send("Performance.enable");
  return session;
}

export async function rendererTimes(session: CDPSession): Promise<RendererTimes> {
  const { metrics } = await session.send("Performance.getMetrics");
  const read = (name: string): number => metrics.find((metric) => metric.name === name)?.value ?? Number.NaN;
  return { mainThreadCpu: read("ThreadTime"), taskDuration: read("TaskDuration") };
}

/** Chromium's CPU over a stretch of work: every process (from /proc) and the page's main thread (from CDP). */
export interface ChromiumCpu {
  /** All of Chromium's processes, CPU ms. */
  readonly allMs: number;
  /** The page's renderer main thread, CPU ms. */
  readonly mainThreadMs: number;
  /** The main thread's tasks, wall-clock ms. */
  readonly taskMs: number;
}

/** Starts counting Chromium's CPU; the returned function says how much was used since. */
export async function countChromiumCpu(session: CDPSession): Promise<() => Promise<ChromiumCpu>> {
  const allBefore = chromiumCpuSeconds() ?? Number.NaN;
  const before = await rendererTimes(session);
  return async () => {
    const after = await rendererTimes(session);
    const allAfter = chromiumCpuSeconds() ?? Number.NaN;
    return {
      allMs: (allAfter - allBefore) * 1000,
      mainThreadMs: (after.mainThreadCpu - before.mainThreadCpu) * 1000,
      taskMs: (after.taskDuration - before.taskDuration) * 1000,
    };
  };
}
