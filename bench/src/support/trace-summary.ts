/**
 * Reads a Chromium performance trace (the JSON `browser.startTracing` writes) and summarises the page's main
 * thread: busy time (the sum of its top-level tasks), long tasks (> 50 ms), where the time inside tasks went
 * (script, style, layout, paint, GC…) and, when the trace holds V8 CPU profile samples, the functions with the
 * most self time. Load on a shared machine stretches wall-clock and busy time alike, but busy time does not
 * count the time the page waited for the CPU between tasks.
 *
 * `tsx src/support/trace-summary.ts <trace.json>…` prints a summary of each.
 */
import { readFileSync } from "node:fs";

interface TraceEvent {
  readonly name: string;
  readonly cat?: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly id?: string;
  readonly args?: Record<string, unknown>;
}

export interface TraceSummary {
  /** Wall-clock span covered by the main thread's tasks, ms. */
  readonly spanMs: number;
  /** Sum of the main thread's top-level task durations, ms. */
  readonly busyMs: number;
  readonly longTasks: readonly number[];
  /** Time by kind of work inside top-level tasks (nested events counted once, at the outermost kind). */
  readonly byKind: ReadonlyMap<string, number>;
  /** Self time by function (from CPU profile samples), ms. */
  readonly hotFunctions: readonly { readonly name: string; readonly ms: number }[];
  /** The 10 longest tasks (over 50 ms): when (ms after the first task), how long, its kinds of work and hottest functions. */
  readonly timeline: readonly { readonly atMs: number; readonly ms: number; readonly kinds: string; readonly functions: string }[];
}

const TOP_LEVEL = new Set(["RunTask", "ThreadControllerImpl::RunTask", "ThreadPool_RunTask"]);
const KIND: Record<string, string> = {
  FunctionCall: "script",
  EvaluateScript: "script",
  "v8.compile": "compile",
  "v8.compileModule": "compile",
  V8Compile: "compile",
  "V8.CompileCode": "compile",
  TimerFire: "script",
  FireAnimationFrame: "script",
  EventDispatch: "script",
  "v8.callFunction": "script",
  RunMicrotasks: "script",
  ParseHTML: "parse HTML",
  UpdateLayoutTree: "style",
  "Document::updateStyleAndLayoutTree": "style",
  Layout: "layout",
  PrePaint: "pre-paint",
  Paint: "paint",
  PaintImage: "paint",
  Layerize: "layerize",
  "LocalFrameView::RunPostLifecycleSteps": "post-lifecycle",
  Commit: "commit",
  HitTest: "hit test",
  MinorGC: "GC",
  MajorGC: "GC",
  "V8.GC_SCAVENGER": "GC",
  "V8.GCScavenger": "GC",
  "V8.GCFinalizeMC": "GC",
  "V8.GCIncrementalMarking": "GC",
  BlinkGC: "GC",
  "BlinkGC.AtomicPhase": "GC",
  "CppGC.AtomicMark": "GC",
  ResourceReceivedData: "network",
  ResourceReceiveResponse: "network",
  "ThreadState::performIdleLazySweep": "GC",
};

function mainThread(events: readonly TraceEvent[]): { pid: number; tid: number } | null {
  const candidates = events.filter((event) => event.ph === "M" && event.name === "thread_name" && event.args?.name === "CrRendererMain");
  let best: { pid: number; tid: number; count: number } | null = null;
  for (const candidate of candidates) {
    const count = events.reduce((sum, event) => (event.pid === candidate.pid && event.tid === candidate.tid && event.ph === "X" ? sum + 1 : sum), 0);
    if (best === null || count > best.count) best = { pid: candidate.pid, tid: candidate.tid, count };
  }
  return best;
}

/** A sampled function's place in the page's scripts (0-based line and column, as V8 reports them). */
export interface CallFrame {
  readonly functionName: string;
  readonly url?: string;
  readonly lineNumber?: number;
  readonly columnNumber?: number;
}

/** How a function is named in the summary: its name and script file (a source map can do better, see `summariseTrace`). */
export function defaultNameOf({ functionName, url, lineNumber }: CallFrame): string {
  const file = (url ?? "").split("/").pop()?.split("#")[0] ?? "";
  return `${functionName || "(anonymous)"} ${file}${lineNumber === undefined || file === "" ? "" : `:${lineNumber + 1}`}`;
}

/** Self time per function from the trace's `ProfileChunk` events (V8's sampling CPU profiler). */
function hotFunctions(events: readonly TraceEvent[], pid: number, tid: number, nameOf: (frame: CallFrame) => string, window?: { from: number; to: number }): { name: string; ms: number }[] {
  // A profile's chunks are written by a sampler thread; its `Profile` event names the thread it samples.
  const ids = new Set(events.filter((event) => event.name === "Profile" && event.pid === pid && event.tid === tid).map((event) => event.id));
  const nodes = new Map<number, string>();
  const selfUs = new Map<string, number>();
  let clock = 0;
  for (const event of events) {
    if (event.name === "Profile" && ids.has(event.id)) clock = Number((event.args?.data as { startTime?: number } | undefined)?.startTime ?? 0);
    if (event.name !== "ProfileChunk" || event.pid !== pid || !ids.has(event.id)) continue;
    const data = (event.args?.data ?? {}) as { cpuProfile?: { nodes?: { id: number; callFrame: CallFrame }[]; samples?: number[] }; timeDeltas?: number[] };
    for (const node of data.cpuProfile?.nodes ?? []) nodes.set(node.id, nameOf(node.callFrame));
    const samples = data.cpuProfile?.samples ?? [];
    const deltas = data.timeDeltas ?? [];
    for (let index = 0; index < samples.length; index++) {
      clock += deltas[index] ?? 0;
      const name = nodes.get(samples[index]!) ?? "?";
      // A sample's time is the delta to the next one; the last of a chunk borrows its own.
      const us = deltas[index + 1] ?? deltas[index] ?? 0;
      if (name.startsWith("(idle)") || name.startsWith("(program)")) continue;
      if (window !== undefined && (clock < window.from || clock > window.to)) continue;
      selfUs.set(name, (selfUs.get(name) ?? 0) + Math.max(0, us));
    }
  }
  return [...selfUs].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
}

/** `nameOf` names a sampled function (e.g. through the scripts' source maps). */
export function summariseTrace(file: string, nameOf: (frame: CallFrame) => string = defaultNameOf): TraceSummary {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const thread = mainThread(events);
  if (thread === null) return { spanMs: 0, busyMs: 0, longTasks: [], byKind: new Map(), hotFunctions: [], timeline: [] };
  const own = events.filter((event) => event.pid === thread.pid && event.tid === thread.tid && event.ph === "X" && event.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const tasks = own.filter((event) => TOP_LEVEL.has(event.name));
  // Nested top-level events (a task inside a task) are counted once.
  const outer: TraceEvent[] = [];
  for (const task of tasks) {
    const last = outer[outer.length - 1];
    if (last === undefined || task.ts >= last.ts + last.dur!) outer.push(task);
  }
  const busyMs = outer.reduce((sum, task) => sum + task.dur! / 1000, 0);
  const longTasks = outer.map((task) => task.dur! / 1000).filter((ms) => ms > 50).sort((a, b) => b - a);
  const byKind = kindsOf(own, -Infinity, Infinity);
  const first = outer[0];
  const last = outer[outer.length - 1];
  const spanMs = first === undefined || last === undefined ? 0 : (last.ts + last.dur! - first.ts) / 1000;
  // The 10 longest tasks, in time order: each reads the whole trace's samples again (a 250 MB trace of a
  // 4-minute run with hundreds of long tasks took longer to summarise than to record).
  const timeline = outer
    .filter((task) => task.dur! > 50_000)
    .sort((a, b) => b.dur! - a.dur!)
    .slice(0, 10)
    .sort((a, b) => a.ts - b.ts)
    .map((task) => ({
      atMs: (task.ts - first!.ts) / 1000,
      ms: task.dur! / 1000,
      kinds: [...kindsOf(own, task.ts, task.ts + task.dur!)].sort((a, b) => b[1] - a[1]).map(([kind, ms]) => `${kind} ${fmt(ms)}`).join(", "),
      functions: hotFunctions(events, thread.pid, thread.tid, nameOf, { from: task.ts, to: task.ts + task.dur! }).slice(0, 6).map(({ name, ms }) => `${name.slice(0, 50)} ${fmt(ms)}`).join(" | "),
    }));
  return { spanMs, busyMs, longTasks, byKind, hotFunctions: hotFunctions(events, thread.pid, thread.tid, nameOf), timeline };
}

/** Time by kind of work between `from` and `to` (µs), nested events counted once at the outermost kind. */
function kindsOf(own: readonly TraceEvent[], from: number, to: number): Map<string, number> {
  const byKind = new Map<string, number>();
  let coveredUntil = 0;
  for (const event of own) {
    const kind = KIND[event.name];
    if (kind === undefined || event.ts < coveredUntil || event.ts < from || event.ts >= to) continue;
    coveredUntil = event.ts + event.dur!;
    byKind.set(kind, (byKind.get(kind) ?? 0) + event.dur! / 1000);
  }
  return byKind;
}

const fmt = (n: number): string => n.toLocaleString("en-US", { maximumFractionDigits: 0 });

/** A few lines: busy time, long tasks, time by kind and the hottest functions. */
export function describeTrace(summary: TraceSummary, topFunctions = 0): string {
  const kinds = [...summary.byKind].sort((a, b) => b[1] - a[1]).map(([kind, ms]) => `${kind} ${fmt(ms)}`).join(", ");
  const longest = summary.longTasks.slice(0, 5).map(fmt).join(", ");
  const lines = [
    `main thread busy ${fmt(summary.busyMs)} ms of ${fmt(summary.spanMs)} ms; ${summary.longTasks.length} long tasks (${fmt(summary.longTasks.reduce((a, b) => a + b, 0))} ms; longest ${longest || "—"})`,
    `by kind (ms): ${kinds}`,
  ];
  for (const { name, ms } of summary.hotFunctions.slice(0, topFunctions)) lines.push(`  ${fmt(ms).padStart(6)} ms  ${name.slice(0, 120)}`);
  if (topFunctions > 0) for (const task of summary.timeline) lines.push(`  @${fmt(task.atMs)} ${fmt(task.ms)} ms: ${task.kinds}\n      ${task.functions}`);
  return lines.join("\n");
}

if (process.argv[1]?.endsWith("trace-summary.ts")) {
  for (const file of process.argv.slice(2)) {
    console.log(`${file}\n${describeTrace(summariseTrace(file), Number(process.env.TOP ?? 25))}\n`);
  }
}
