/** A point of a series: time (epoch ms) and value; `null` values break the line (no data then). */
export interface SeriesPoint {
  readonly at: number;
  readonly value: number | null;
}

/** Maps a domain linearly onto a range; a zero-width domain maps to the range's start. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  return (value) => (span === 0 ? r0 : r0 + ((value - d0) / span) * (r1 - r0));
}

const round = (n: number): number => Math.round(n * 100) / 100;

/**
 * An SVG path through the points (x from time, y from value), split where a value is missing.
 * @example linePath([{ at: 0, value: 0 }, { at: 10, value: 1 }], x, y) // "M0,40L100,0"
 */
export function linePath(points: readonly SeriesPoint[], x: (at: number) => number, y: (value: number) => number): string {
  let path = "";
  let isDrawing = false;
  for (const point of points) {
    if (point.value === null) {
      isDrawing = false;
      continue;
    }
    path += `${isDrawing ? "L" : "M"}${round(x(point.at))},${round(y(point.value))}`;
    isDrawing = true;
  }
  return path;
}

/** A closed area under the points down to `baseline` (in pixels), one shape per run of present values. */
export function areaPath(points: readonly SeriesPoint[], x: (at: number) => number, y: (value: number) => number, baseline: number): string {
  const runs: SeriesPoint[][] = [[]];
  for (const point of points) {
    if (point.value === null) {
      if (runs[runs.length - 1]!.length > 0) runs.push([]);
    } else runs[runs.length - 1]!.push(point);
  }
  return runs
    .filter((run) => run.length > 0)
    .map((run) => {
      const top = run.map((point, index) => `${index === 0 ? "M" : "L"}${round(x(point.at))},${round(y(point.value!))}`).join("");
      return `${top}L${round(x(run[run.length - 1]!.at))},${baseline}L${round(x(run[0]!.at))},${baseline}Z`;
    })
    .join("");
}

/** The largest value of several series (at least `floor`), for a shared y axis. */
export function seriesMax(series: readonly (readonly SeriesPoint[])[], floor = 1): number {
  let max = floor;
  for (const points of series) for (const point of points) if (point.value !== null && point.value > max) max = point.value;
  return max;
}

export interface LoadSample {
  readonly at: number;
  readonly capacity: Readonly<Record<string, number>>;
  readonly claimed: Readonly<Record<string, number>>;
  readonly cpuPercent: number | null;
  readonly memoryUsedMb: number | null;
  readonly memoryTotalMb: number | null;
  readonly running: number;
}

/** Samples of the last `windowMs` before the newest one (the server's clock, so the browser's does not matter). */
export function recentSamples<T extends { readonly at: number }>(samples: readonly T[], windowMs: number): readonly T[] {
  const newest = samples[samples.length - 1];
  if (newest === undefined) return samples;
  let first = samples.length;
  while (first > 0 && samples[first - 1]!.at >= newest.at - windowMs) first -= 1;
  return samples.slice(first);
}

/** Claimed and capacity of one resource over time. */
export function resourceSeries(samples: readonly LoadSample[], resource: string): { claimed: SeriesPoint[]; capacity: SeriesPoint[] } {
  return {
    claimed: samples.map((sample) => ({ at: sample.at, value: sample.capacity[resource] === undefined ? null : (sample.claimed[resource] ?? 0) })),
    capacity: samples.map((sample) => ({ at: sample.at, value: sample.capacity[resource] ?? null })),
  };
}

/** Every resource any sample declares, `slots` last (it is the executor pool, not a declared cost). */
export function resourcesOf(samples: readonly LoadSample[]): string[] {
  const names = new Set<string>();
  for (const sample of samples) for (const name of Object.keys(sample.capacity)) names.add(name);
  return [...names].sort((a, b) => (a === "slots" ? 1 : b === "slots" ? -1 : a.localeCompare(b)));
}

/**
 * Labels for a chart's time axis over `[first, last]` (epoch ms), relative to the newest sample: `count` evenly
 * spaced ticks from the oldest to "now", each with its position as a fraction of the width.
 * @example timeAxisTicks(0, 60_000, 3) // [{ at: 0, label: "−1 min" }, { at: 0.5, label: "−30 s" }, { at: 1, label: "now" }]
 */
export function timeAxisTicks(first: number, last: number, count = 3): { at: number; label: string }[] {
  const span = Math.max(0, last - first);
  const ticks = Math.max(2, Math.min(10, Math.floor(count)));
  return Array.from({ length: ticks }, (_, index) => {
    const at = index / (ticks - 1);
    const agoMs = Math.round(span * (1 - at));
    return { at, label: agoMs === 0 ? "now" : `−${formatAgo(agoMs)}` };
  });
}

function formatAgo(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = seconds / 60;
  return `${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min`;
}
