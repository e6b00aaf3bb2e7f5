import { loadavg } from "node:os";

/** Formats a figure for the benches' output: thousands separators, at most `digits` decimals. */
export const fmt = (n: number, digits = 1): string => n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** The `p`th percentile of `values` (nearest rank, 0 when there are none). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The median and the spread (min–max) of repeated measurements, as printed by the benches. */
export function summarize(samples: readonly number[], digits = 1): { readonly median: number; readonly text: string } {
  if (samples.length === 0) return { median: Number.NaN, text: "no samples" };
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, text: `median ${fmt(median, digits)} (${fmt(sorted[0]!, digits)}–${fmt(sorted.at(-1)!, digits)}, n=${sorted.length})` };
}

/** The machine's 1-, 5- and 15-minute load averages, printed beside figures taken on a shared machine. */
export const loadAverage = (): string => loadavg().map((load) => load.toFixed(1)).join(" / ");
