/**
 * The browser bench's frame figures and how they print: Chromium's own (the compositor's frame reporter and
 * the page's long animation frames, see chromium-frames.ts) first, the page's rAF gaps only when that
 * recorder was on (`HANDOFF_BENCH_RAF=1`), and Chromium's CPU beside them.
 */
import type { ChromiumCpu } from "./chromium-cpu.ts";
import { fmt as formatFigure, percentile } from "./stats.ts";
import type { ChromiumFrameFigures, LongFrames } from "./chromium-frames.ts";

export interface FrameFigures {
  /** Gaps between the page's rAF callbacks (only with `HANDOFF_BENCH_RAF=1`). */
  readonly rafFrames: readonly number[];
  readonly longTasks: readonly number[];
  readonly longFrames: LongFrames;
  /** Undefined in a run traced in full (`HANDOFF_BENCH_TRACE`: the frames are in its trace) or with `HANDOFF_BENCH_FRAME_TRACE=0`. */
  readonly chromium?: ChromiumFrameFigures;
  readonly runMs: number;
  /** Chromium's CPU over the frames, and the gestures made meanwhile (when the user panned). */
  readonly cpu?: ChromiumCpu & { readonly gestures: number };
}

/** `stats.ts`'s figure format, whole numbers unless told (frames and CPU are printed in whole ms). */
export const fmt = (n: number, digits = 0): string => formatFigure(n, digits);

/** p50 / p95 / longest of a list of frame intervals, with the median as frames per second. */
function spread(label: string, intervals: readonly number[]): string {
  const p50 = percentile(intervals, 50);
  return `${label} p50 ${fmt(p50, 1)} ms (${fmt(1000 / Math.max(1, p50))} fps), p95 ${fmt(percentile(intervals, 95), 1)} ms, longest ${fmt(Math.max(0, ...intervals))} ms, ${intervals.filter((ms) => ms > 50).length} of ${fmt(intervals.length)} over 50 ms`;
}

/** The long animation frames: how many, the longest (with its longest script), the sum of their blocking time. */
export function describeLongFrames(longFrames: LongFrames): string {
  if (!longFrames.isSupported) return "LoAF NOT SUPPORTED by this Chromium (no long-animation-frame entries): read the rAF figures (HANDOFF_BENCH_RAF=1)";
  const longest = [...longFrames.frames].sort((a, b) => b.durationMs - a.durationMs)[0];
  const blocking = longFrames.frames.reduce((sum, frame) => sum + frame.blockingMs, 0);
  return `long animation frames (> 50 ms) ${longFrames.frames.length}${longest === undefined ? "" : `, longest ${fmt(longest.durationMs)} ms (blocking ${fmt(longest.blockingMs)} ms${longest.script === "" ? "" : `; its longest script ${longest.script}`})`}, blocking ${fmt(blocking)} ms in all`;
}

function cpuLine(cpu: NonNullable<FrameFigures["cpu"]>, runMs: number): string {
  const perGesture = (ms: number): string => (cpu.gestures === 0 ? "" : ` (${fmt(ms / cpu.gestures, 1)} ms per gesture)`);
  // A slow run on a loaded machine lasts longer and costs more idle frames: CPU per second of the run beside the totals.
  const perSecond = `per second: Chromium ${fmt(cpu.allMs / (runMs / 1000))} ms, main thread ${fmt(cpu.mainThreadMs / (runMs / 1000))} ms`;
  return `Chromium CPU ${fmt(cpu.allMs)} ms${perGesture(cpu.allMs)}, page main thread CPU ${fmt(cpu.mainThreadMs)} ms${perGesture(cpu.mainThreadMs)} (its tasks' wall-clock ${fmt(cpu.taskMs)} ms), ${cpu.gestures} gestures; ${perSecond}`;
}

/** The figures of one measurement as indented lines: Chromium's frames, LoAF, rAF (when on), CPU. */
export function describeFrames(figures: FrameFigures, indent: string): string {
  const { chromium } = figures;
  const lines = [
    chromium === undefined
      ? "Chromium frames: not read (a run traced in full holds them in its trace; HANDOFF_BENCH_FRAME_TRACE=0 turns the frames-only trace off)"
      : `Chromium frames (compositor's reporter): ${spread("presented interval", chromium.intervalsMs)}; ${fmt(chromium.wanted)} wanted, ${fmt(chromium.dropped)} dropped (${fmt((100 * chromium.dropped) / Math.max(1, chromium.wanted), 1)} %)`,
    `${describeLongFrames(figures.longFrames)}; ${figures.longTasks.length} long tasks (longest ${fmt(Math.max(0, ...figures.longTasks))} ms); ${fmt(figures.runMs / 1000, 1)} s`,
  ];
  if (figures.rafFrames.length > 0) lines.push(`the page's rAF recorder (it keeps the page drawing every vsync): ${spread("gap", figures.rafFrames)}`);
  if (figures.cpu !== undefined) lines.push(cpuLine(figures.cpu, figures.runMs));
  return lines.map((line) => `${indent}${line}`).join("\n");
}
