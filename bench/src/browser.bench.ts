/**
 * Dashboard figures in Chromium against the real stack (server + two agent processes + the built dashboard):
 * (a) time from navigation until a 1,000-task DAG imported in the editor is interactive (nodes drawn and a
 * click selects one), (b) the longest frame while a 1,000-task run changes state live in the run view.
 * Each beside a 10-task baseline measured in the same run. Build the dashboard first
 * (`pnpm --filter @handoff/web build`). Prints; never asserts on time.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "@playwright/test";
import { startStack } from "@handoff/cli/testing";
import { isTerminalRunStatus } from "@handoff/core";
import type { DagFile } from "@handoff/protocol";

const fmt = (n: number, digits = 0): string => n.toLocaleString("en-US", { maximumFractionDigits: digits });
const webBuild = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "apps", "web", ".next", "BUILD_ID");
const executablePath = process.env.HANDOFF_CHROMIUM_PATH ?? "/usr/bin/chromium";
/** A folder: when set, a Chromium trace of each 1,000-task measurement is written there (open it in DevTools' Performance panel). */
const traceDir = process.env.HANDOFF_BENCH_TRACE;
const TRACE_CATEGORIES = ["devtools.timeline", "disabled-by-default-devtools.timeline", "disabled-by-default-devtools.timeline.frame", "blink.user_timing", "v8.execute", "toplevel", "disabled-by-default-v8.cpu_profiler"];

if (!existsSync(executablePath) || !existsSync(webBuild)) {
  console.log(`browser bench SKIPPED: ${!existsSync(executablePath) ? `no Chromium at ${executablePath}` : "the dashboard is not built (pnpm --filter @handoff/web build)"}`);
  process.exit(0);
}

type Task = DagFile["tasks"][number];

/**
 * `layers × width` tasks: the first layer reads a gate task (a sleep, so the page is loaded and idle before
 * the tasks start moving), each later task sums two neighbours of the layer above. `gate` adds one task.
 */
function layeredDag(name: string, layers: number, width: number, gateMs: number | null): DagFile {
  const id = (layer: number, index: number): string => `t${layer}_${index}`;
  const tasks: Task[] = gateMs === null ? [] : [{ id: "gate", fn: "std.sleep", extraArgs: [gateMs, 1] }];
  for (let layer = 0; layer < layers; layer++) {
    for (let index = 0; index < width; index++) {
      if (layer > 0) tasks.push({ id: id(layer, index), fn: "std.sum", args: [id(layer - 1, index), id(layer - 1, (index + 1) % width)] });
      else if (gateMs === null) tasks.push({ id: id(0, index), fn: "std.constant", extraArgs: [index] });
      else tasks.push({ id: id(0, index), fn: "std.identity", args: ["gate"] });
    }
  }
  return { format: "handoff.dag", version: 1, name, tasks };
}

// Installed before any page script: every frame's gap and every long task (> 50 ms) since the last reset.
const FRAME_RECORDER = `
  (() => {
    const state = { frames: [], longTasks: [], last: 0 };
    window.__frames = state;
    const tick = (now) => { if (state.last > 0) state.frames.push(now - state.last); state.last = now; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    try {
      new PerformanceObserver((list) => { for (const entry of list.getEntries()) state.longTasks.push(entry.duration); }).observe({ type: "longtask", buffered: false });
    } catch {}
  })();
`;
const RESET_FRAMES = "(() => { window.__frames.frames = []; window.__frames.longTasks = []; window.__frames.last = 0; })()";
const READ_FRAMES = "(() => ({ frames: window.__frames.frames, longTasks: window.__frames.longTasks }))()";

interface FrameFigures {
  readonly frames: number;
  readonly longestFrameMs: number;
  readonly framesOver50: number;
  readonly longTasks: number;
  readonly longestTaskMs: number;
  readonly runMs: number;
}

const stack = await startStack({
  agents: [
    { name: "alpha", capacity: { cpu: 4, memory: 8000, slots: 4 } },
    { name: "beta", capacity: { cpu: 4, memory: 8000, slots: 4 } },
  ],
  web: true,
});
const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});

async function signedInPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript({ content: FRAME_RECORDER });
  // Signs in through the form: no token ever travels in a URL.
  await page.goto(`${stack.url}/login?next=%2Fruns`);
  await page.fill('input[name="token"]', stack.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/runs$/);
  return page;
}

/** `measure`, traced into `HANDOFF_BENCH_TRACE/<name>.json` when that is set. */
async function traced<T>(page: Page, name: string, measure: () => Promise<T>): Promise<T> {
  if (traceDir === undefined) return measure();
  mkdirSync(traceDir, { recursive: true });
  await browser.startTracing(page, { path: path.join(traceDir, `${name}.json`), categories: TRACE_CATEGORIES, screenshots: false });
  try {
    return await measure();
  } finally {
    await browser.stopTracing();
  }
}

/** Navigation → import → nodes drawn → a click selects a node (the inspector shows it). */
async function editorInteractive(page: Page, layers: number, width: number): Promise<{ totalMs: number; importMs: number }> {
  const file = layeredDag(`bench-editor-${layers * width}-${Date.now().toString(36)}`, layers, width, null);
  const started = performance.now();
  await page.goto(`${stack.url}/editor`);
  const input = page.getByTestId("import-input");
  await input.waitFor({ state: "attached" });
  const imported = performance.now();
  await input.setInputFiles({ name: "bench.dag.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(file)) });
  const first = page.getByTestId("task-node-t0_0");
  await first.waitFor({ state: "visible", timeout: 60_000 });
  await first.click();
  await page.getByTestId("task-inspector").waitFor({ state: "visible" });
  const done = performance.now();
  return { totalMs: done - started, importMs: done - imported };
}

async function isFinished(runId: string): Promise<boolean> {
  const page = await stack.client.trpc.runs.list.query({ limit: 20 });
  const status = page.items.find((item) => item.runId === runId)?.status;
  return status !== undefined && isTerminalRunStatus(status);
}

/** The run view of a gated run: frames are recorded from when the page is idle until the run succeeds. */
async function liveRunFrames(page: Page, layers: number, width: number): Promise<FrameFigures> {
  const file = layeredDag(`bench-live-${layers * width}-${Date.now().toString(36)}`, layers, width, 4_000);
  const { runId } = await stack.client.trpc.runs.start.mutate({ dag: { file } });
  await page.goto(`${stack.url}/runs/${encodeURIComponent(runId)}`);
  await page.getByTestId("task-node-gate").waitFor({ state: "visible", timeout: 60_000 });
  await page.waitForTimeout(300);
  await page.evaluate(RESET_FRAMES);
  const started = performance.now();
  // Polled through the API, not the page: a DOM poll would itself cost frames.
  while (!(await isFinished(runId))) await new Promise((resolve) => setTimeout(resolve, 250));
  const runMs = performance.now() - started;
  await page.getByTestId("run-status").filter({ hasText: /^(succeeded|failed|cancelled)$/ }).waitFor({ timeout: 60_000 });
  const status = await page.getByTestId("run-status").textContent();
  if (status !== "succeeded") console.log(`  (the ${layers * width}-task run ended ${status})`);
  const { frames, longTasks } = await page.evaluate<{ frames: number[]; longTasks: number[] }>(READ_FRAMES);
  return {
    frames: frames.length,
    longestFrameMs: Math.max(0, ...frames),
    framesOver50: frames.filter((ms) => ms > 50).length,
    longTasks: longTasks.length,
    longestTaskMs: Math.max(0, ...longTasks),
    runMs,
  };
}

try {
  console.log(`browser: Chromium at ${executablePath} (headless), viewport 1440×900; stack: server + agents alpha, beta (4 slots each), SQLite\n`);
  const page = await signedInPage();
  // Warm-up: the first navigation compiles the page's scripts; measure the ones after.
  await editorInteractive(page, 2, 5);

  const smallEditor = await editorInteractive(page, 2, 5);
  const bigEditor = await traced(page, "editor-1000", () => editorInteractive(page, 40, 25));
  console.log("(a) editor, navigation → 1,000-task DAG imported, drawn and a node selected by a click (target < 1,000 ms)");
  console.log(`    1,000 tasks: ${fmt(bigEditor.totalMs)} ms (import → interactive ${fmt(bigEditor.importMs)} ms)`);
  console.log(`    baseline, 10 tasks: ${fmt(smallEditor.totalMs)} ms (import → interactive ${fmt(smallEditor.importMs)} ms)`);

  const smallRun = await liveRunFrames(page, 2, 5);
  const bigRun = await traced(page, "live-1000", () => liveRunFrames(page, 40, 25));
  const line = (figures: FrameFigures): string =>
    `longest frame ${fmt(figures.longestFrameMs)} ms, ${figures.framesOver50} of ${fmt(figures.frames)} frames over 50 ms, ${figures.longTasks} long tasks (longest ${fmt(figures.longestTaskMs)} ms), run ${fmt(figures.runMs / 1000, 1)} s`;
  console.log("(b) run view while the run's tasks change state live (target: no frame over 50 ms)");
  console.log(`    1,000 tasks: ${line(bigRun)}`);
  console.log(`    baseline, 10 tasks: ${line(smallRun)}`);
} finally {
  await browser.close();
  await stack.stop();
}
