import type { ClusterLoadSample, LoadSample } from "@handoff/api";
import type { LiveMachine } from "./live-machine.ts";

export type { ClusterLoadSample, LoadSample };

/** 15 minutes at one sample a second. */
export const HISTORY_SAMPLES = 900;
const SAMPLE_EVERY_MS = 1000;

/**
 * The last 15 minutes of every machine's load, one sample a second at most, and the cluster's sum at each of those
 * instants (so a dashboard of 200 machines reads one series instead of adding up 200).
 */
export class LoadHistory {
  private readonly samples = new Map<string, LoadSample[]>();
  private readonly cluster: ClusterLoadSample[] = [];
  private lastSampleAt = 0;

  /** Takes a sample of each machine when a second has passed since the last one. */
  sample(now: number, machines: Iterable<LiveMachine>, claimedOf: (name: string) => Record<string, number>): void {
    if (now - this.lastSampleAt < SAMPLE_EVERY_MS) return;
    this.lastSampleAt = now;
    const sum = new ClusterSum(now);
    for (const machine of machines) {
      const samples = this.samples.get(machine.name) ?? [];
      const isOnline = machine.link !== undefined;
      const sample: LoadSample = {
        at: now,
        capacity: machine.capacity,
        claimed: claimedOf(machine.name),
        cpuPercent: isOnline ? machine.cpuPercent : null,
        memoryUsedMb: isOnline ? machine.memoryUsedMb : null,
        memoryTotalMb: isOnline ? machine.memoryTotalMb : null,
        running: machine.running.size,
      };
      samples.push(sample);
      if (samples.length > HISTORY_SAMPLES) samples.splice(0, samples.length - HISTORY_SAMPLES);
      this.samples.set(machine.name, samples);
      if (isOnline) sum.add(sample);
    }
    this.cluster.push(sum.done());
    if (this.cluster.length > HISTORY_SAMPLES) this.cluster.splice(0, this.cluster.length - HISTORY_SAMPLES);
  }

  /** The samples of `name` taken after `since` (epoch ms), oldest first. */
  since(name: string, since: number): LoadSample[] {
    return after(this.samples.get(name) ?? [], since);
  }

  /** The cluster's sums taken after `since` (epoch ms), oldest first. */
  clusterSince(since: number): ClusterLoadSample[] {
    return after(this.cluster, since);
  }
}

function after<T extends { readonly at: number }>(samples: readonly T[], since: number): T[] {
  let first = samples.length;
  while (first > 0 && samples[first - 1]!.at > since) first -= 1;
  return samples.slice(first);
}

class ClusterSum {
  private online = 0;
  private readonly capacity: Record<string, number> = {};
  private readonly claimed: Record<string, number> = {};
  private cpuTotal = 0;
  private cpuCount = 0;
  private memoryUsedMb = 0;
  private memoryTotalMb = 0;
  private running = 0;

  constructor(private readonly at: number) {}

  add(sample: LoadSample): void {
    this.online += 1;
    for (const [key, amount] of Object.entries(sample.capacity)) this.capacity[key] = (this.capacity[key] ?? 0) + amount;
    for (const [key, amount] of Object.entries(sample.claimed)) this.claimed[key] = (this.claimed[key] ?? 0) + amount;
    if (sample.cpuPercent !== null) {
      this.cpuTotal += sample.cpuPercent;
      this.cpuCount += 1;
    }
    this.memoryUsedMb += sample.memoryUsedMb ?? 0;
    this.memoryTotalMb += sample.memoryTotalMb ?? 0;
    this.running += sample.running;
  }

  done(): ClusterLoadSample {
    const cpuPercent = this.cpuCount === 0 ? null : this.cpuTotal / this.cpuCount;
    return { at: this.at, online: this.online, capacity: this.capacity, claimed: this.claimed, cpuPercent, memoryUsedMb: this.memoryUsedMb, memoryTotalMb: this.memoryTotalMb, running: this.running };
  }
}
