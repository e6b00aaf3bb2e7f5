import type { LoadSample } from "@handoff/api";
import type { LiveMachine } from "./live-machine.ts";

export type { LoadSample };

/** 15 minutes at one sample a second. */
export const HISTORY_SAMPLES = 900;
const SAMPLE_EVERY_MS = 1000;

/** The last 15 minutes of every machine's load, one sample a second at most. */
export class LoadHistory {
  private readonly samples = new Map<string, LoadSample[]>();
  private lastSampleAt = 0;

  /** Takes a sample of each machine when a second has passed since the last one. */
  sample(now: number, machines: Iterable<LiveMachine>, claimedOf: (name: string) => Record<string, number>): void {
    if (now - this.lastSampleAt < SAMPLE_EVERY_MS) return;
    this.lastSampleAt = now;
    for (const machine of machines) {
      const samples = this.samples.get(machine.name) ?? [];
      const isOnline = machine.link !== undefined;
      samples.push({
        at: now,
        capacity: machine.capacity,
        claimed: claimedOf(machine.name),
        cpuPercent: isOnline ? machine.cpuPercent : null,
        memoryUsedMb: isOnline ? machine.memoryUsedMb : null,
        memoryTotalMb: isOnline ? machine.memoryTotalMb : null,
        running: machine.running.size,
      });
      if (samples.length > HISTORY_SAMPLES) samples.splice(0, samples.length - HISTORY_SAMPLES);
      this.samples.set(machine.name, samples);
    }
  }

  /** The samples of `name` taken after `since` (epoch ms), oldest first. */
  since(name: string, since: number): LoadSample[] {
    const samples = this.samples.get(name) ?? [];
    let first = samples.length;
    while (first > 0 && samples[first - 1]!.at > since) first -= 1;
    return samples.slice(first);
  }
}
