/**
 * Frames as Chromium itself accounts for them, not as a page's own requestAnimationFrame loop sees them (a
 * loop that asks for a frame every vsync makes the page draw 60 frames a second while idle, and on a loaded
 * machine its own callbacks are much of what it measures).
 *
 * - `chromiumFrames`: the compositor's frame reporter from a trace (`PipelineReporter`, category
 *   `disabled-by-default-devtools.timeline.frame`, what DevTools' frames track and Chromium's smoothness metric
 *   read): per vsync, whether a frame was wanted and whether it was presented or dropped.
 * - `PAGE_OBSERVERS` (an init script) and `LongFrames`: the page's `long-animation-frame` entries (LoAF,
 *   Chromium ≥ 123): every frame whose main-thread work took over 50 ms, with how long it blocked input.
 */
import { readFileSync } from "node:fs";

/** The categories a frames-only trace needs (cheap beside the full timeline's). */
export const FRAME_TRACE_CATEGORIES = ["disabled-by-default-devtools.timeline.frame"];

export interface ReporterEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly ts: number;
  readonly args?: { readonly frame_reporter?: { readonly frame_sequence?: number; readonly state?: string; readonly frame_type?: string; readonly layer_tree_host_id?: number } };
}

export interface ChromiumFrameFigures {
  /** Vsyncs at which the page wanted a new frame (presented or dropped). */
  readonly wanted: number;
  readonly presented: number;
  readonly dropped: number;
  /**
   * For each presented frame, the time since the last vsync that was presented or wanted nothing (so a run
   * of dropped frames before it counts as one long frame, as the user sees it), ms. Vsyncs the compositor was not
   * asked for (no reporter: the page at rest, ~1 s between a live run's changes) are not a wait.
   */
  readonly intervalsMs: readonly number[];
}

/** `framesFromTrace` of a trace file (the JSON `browser.startTracing` writes). */
export function chromiumFrames(traceFile: string): ChromiumFrameFigures {
  const parsed = JSON.parse(readFileSync(traceFile, "utf8")) as { traceEvents: ReporterEvent[] } | ReporterEvent[];
  return framesFromTrace(Array.isArray(parsed) ? parsed : parsed.traceEvents);
}

/**
 * The frame reporter's events of the page's compositor (the layer tree with the most frames; a sequence
 * reported twice, its main-thread fork, counts once: presented if either part was).
 */
export function framesFromTrace(events: readonly ReporterEvent[]): ChromiumFrameFigures {
  const byTree = new Map<string, Map<number, { ts: number; state: string }>>();
  for (const event of events) {
    const reporter = event.args?.frame_reporter;
    if (event.name !== "PipelineReporter" || event.ph !== "b" || reporter?.frame_sequence === undefined || reporter.state === undefined) continue;
    const tree = `${event.pid}:${reporter.layer_tree_host_id ?? 0}`;
    const frames = byTree.get(tree) ?? byTree.set(tree, new Map()).get(tree)!;
    const known = frames.get(reporter.frame_sequence);
    // A forked reporter (the main thread's part of the frame) never makes a presented frame dropped.
    if (known === undefined || (reporter.frame_type !== "FORKED" && !known.state.startsWith("STATE_PRESENTED")) || reporter.state.startsWith("STATE_PRESENTED")) {
      frames.set(reporter.frame_sequence, { ts: Math.min(event.ts, known?.ts ?? event.ts), state: reporter.state });
    }
  }
  const page = [...byTree.values()].sort((a, b) => b.size - a.size)[0] ?? new Map<number, { ts: number; state: string }>();
  const sequence = [...page].sort((a, b) => a[0] - b[0]).map(([number, frame]) => ({ number, ...frame }));
  const vsyncUs = vsyncOf(sequence);
  const intervalsMs: number[] = [];
  let presented = 0;
  let dropped = 0;
  let lastSettledTs: number | undefined;
  let previous: { number: number; ts: number; state: string } | undefined;
  for (const frame of sequence) {
    // Vsyncs with no reporter at all: the compositor was not asked for a frame (the page at rest), so the wait ends
    // there — a run of dropped frames up to it still counts, up to its last one; the next frame starts afresh.
    if (previous !== undefined && frame.number > previous.number + 1) {
      if (previous.state === "STATE_DROPPED" && lastSettledTs !== undefined) intervalsMs.push((previous.ts + vsyncUs - lastSettledTs) / 1000);
      lastSettledTs = undefined;
    }
    previous = frame;
    if (frame.state === "STATE_DROPPED") {
      dropped++;
      continue;
    }
    if (frame.state.startsWith("STATE_PRESENTED")) {
      presented++;
      if (lastSettledTs !== undefined) intervalsMs.push((frame.ts - lastSettledTs) / 1000);
    }
    lastSettledTs = frame.ts;
  }
  return { wanted: presented + dropped, presented, dropped, intervalsMs };
}

/** The vsync period, µs: the reported frames' time over their sequence numbers (16,667 when that cannot be told). */
function vsyncOf(sequence: readonly { number: number; ts: number }[]): number {
  const first = sequence[0];
  const last = sequence.at(-1);
  if (first === undefined || last === undefined || last.number === first.number) return 16_667;
  return (last.ts - first.ts) / (last.number - first.number);
}

/** One `long-animation-frame` entry: when, how long, how much of it blocked input, and its longest script. */
export interface LongFrame {
  readonly startMs: number;
  readonly durationMs: number;
  readonly blockingMs: number;
  readonly script: string;
}

export interface LongFrames {
  /** False when this Chromium has no `long-animation-frame` entries (then only the rAF figures exist). */
  readonly isSupported: boolean;
  readonly frames: readonly LongFrame[];
}

/**
 * Installed before any page script. `window.__frames`: LoAF entries, long tasks, cards React Flow mounts, and
 * `paintedAt(selector)` — the time of the first frame after an element matching it appears. With
 * `window.__benchRaf` set first, also every rAF gap (the old recorder, for comparison).
 */
export const PAGE_OBSERVERS = `
  (() => {
    const state = { frames: [], longTasks: [], loaf: [], loafSupported: false, last: 0, cardMounts: 0, changeAt: 0, pointerAt: 0 };
    window.__frames = state;
    new MutationObserver((list) => { for (const m of list) for (const n of m.addedNodes) if (n.classList && n.classList.contains("react-flow__node")) state.cardMounts++; }).observe(document, { subtree: true, childList: true });
    // When the bench acted, as the page saw it (the event's own time stamp, before any handler ran).
    addEventListener("change", (event) => { state.changeAt = event.timeStamp; }, true);
    addEventListener("pointerdown", (event) => { state.pointerAt = event.timeStamp; }, true);
    // Resolves with the end of the first frame in which an element matching selector is there (rAF, then the task after it: the frame's paint).
    state.paintedAt = (selector) => new Promise((resolve) => {
      const settle = () => requestAnimationFrame(() => { const channel = new MessageChannel(); channel.port1.onmessage = () => resolve(performance.now()); channel.port2.postMessage(0); });
      if (document.querySelector(selector)) return settle();
      const observer = new MutationObserver(() => { if (document.querySelector(selector)) { observer.disconnect(); settle(); } });
      observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-cards", "class", "data-testid"] });
    });
    if (window.__benchRaf) {
      const tick = (now) => { if (state.last > 0) state.frames.push(now - state.last); state.last = now; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    }
    try {
      new PerformanceObserver((list) => { for (const entry of list.getEntries()) state.longTasks.push(entry.duration); }).observe({ type: "longtask", buffered: false });
    } catch {}
    if ((PerformanceObserver.supportedEntryTypes || []).includes("long-animation-frame")) {
      state.loafSupported = true;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          const longest = [...(entry.scripts || [])].sort((a, b) => b.duration - a.duration)[0];
          const script = longest === undefined ? "" : (longest.sourceFunctionName || longest.invoker || "?") + " " + String(longest.sourceURL || "").split("/").pop() + " " + Math.round(longest.duration) + " ms";
          state.loaf.push({ startMs: entry.startTime, durationMs: entry.duration, blockingMs: entry.blockingDuration, script });
        }
      }).observe({ type: "long-animation-frame", buffered: false });
    }
  })();
`;
export const RESET_PAGE_OBSERVERS = "(() => { const s = window.__frames; s.frames = []; s.longTasks = []; s.loaf = []; s.last = 0; s.cardMounts = 0; })()";
export const READ_PAGE_OBSERVERS = "(() => ({ frames: window.__frames.frames, longTasks: window.__frames.longTasks, loaf: { isSupported: window.__frames.loafSupported, frames: window.__frames.loaf } }))()";
