import { expect, test, type Locator, type Page } from "@playwright/test";
import path from "node:path";
import { SCREENSHOTS, signIn, startE2eStack, type Stack, requireChromium } from "./stack.ts";
import { wideDag } from "./wide-dag.ts";

requireChromium();

// Issue #14 §5: large DAGs you can find your way in.
test.describe.configure({ mode: "serial" });

const SUFFIX = Date.now().toString(36);
let stack: Stack;
let page: Page;

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack();
  page = await browser.newPage();
  // Each test imports over the last one's unsaved DAG: "discard unsaved changes?" is answered yes.
  page.on("dialog", (dialog) => void dialog.accept());
  await signIn(page, stack, "/editor");
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

function node(taskId: string): Locator {
  return page.getByTestId(`task-node-${taskId}`);
}

async function importFile(file: unknown): Promise<void> {
  await page.goto(`${stack.url}/editor`);
  await page.getByTestId("import-input").setInputFiles({ name: "dag.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(file)) });
}

async function zoom(): Promise<number> {
  return page.locator(".react-flow__viewport").first().evaluate((element) => new DOMMatrixReadOnly(getComputedStyle(element).transform).a);
}

type Rect = { x: number; y: number; width: number; height: number };
const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

// a → b → c ← x, a → c (skips b's column, straight through b if drawn as a plain curve), y alone.
const lineageDag = {
  format: "handoff.dag",
  version: 1,
  name: `e2e-lineage-${SUFFIX}`,
  tasks: [
    { id: "a", fn: "std.constant", extraArgs: [1], position: { x: 0, y: 0 } },
    { id: "b", fn: "std.identity", args: ["a"], position: { x: 280, y: 0 } },
    { id: "x", fn: "std.constant", extraArgs: [2], position: { x: 280, y: 240 } },
    { id: "c", fn: "std.sum", args: ["b", "x", "a"], position: { x: 560, y: 0 } },
    { id: "y", fn: "std.constant", extraArgs: [3], position: { x: 0, y: 240 } },
  ],
};

test("Ctrl+K finds a task by id or by function, jumps to it and selects it", async () => {
  await importFile(wideDag(`e2e-find-${SUFFIX}`, 20, 25));
  await expect(node("t0_0")).toBeVisible({ timeout: 30_000 });
  // The far corner of a 500-task DAG: not readable before the jump.
  await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("Control+k");
  await expect(page.getByTestId("find-task-input")).toBeFocused();
  await page.getByTestId("find-task-input").fill("t19_2");
  await expect(page.getByTestId("find-task-results").locator("li").first()).toContainText("t19_2");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("find-task")).toHaveCount(0);
  await expect(page.getByTestId("inspector-id")).toHaveValue("t19_2");
  await expect(node("t19_2")).toHaveClass(/selected/);
  await expect(node("t19_2")).toBeInViewport();
  expect(await zoom()).toBeGreaterThanOrEqual(0.85);
  await shot("p14-5-01-found-by-id");
  // By function: every task of std.constant, reached with the arrow keys.
  await page.getByTestId("find-task-open").click();
  await page.getByTestId("find-task-input").fill("constant");
  await expect(page.getByTestId("find-task-results").locator("li")).toHaveCount(25);
  await expect(page.getByTestId("find-task-results").locator("li").first()).toContainText("std.constant");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("inspector-id")).toHaveValue("t0_1");
  await expect(node("t0_1")).toBeInViewport();
  await shot("p14-5-02-found-by-function");
});

test("selecting a task highlights what is upstream and downstream of it and fades the rest", async () => {
  await importFile(lineageDag);
  await expect(node("c")).toBeVisible();
  await node("b").click();
  await expect(node("b")).toHaveClass(/lineage-focus/);
  await expect(node("a")).toHaveClass(/lineage-up/);
  await expect(node("c")).toHaveClass(/lineage-down/);
  await expect(node("x")).toHaveClass(/dimmed/);
  await expect(node("y")).toHaveClass(/dimmed/);
  await expect(page.locator('[data-testid="rf__edge-a->b[0]"] path.edge-lineage')).toHaveCount(1);
  await expect(page.locator('[data-testid="rf__edge-b->c[0]"] path.edge-lineage')).toHaveCount(1);
  await expect(page.locator('[data-testid="rf__edge-x->c[1]"] path.edge-dimmed')).toHaveCount(1);
  await shot("p14-5-03-lineage");
  // Nothing selected: nothing faded.
  await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
  await expect(page.locator(".task-node.dimmed")).toHaveCount(0);
});

test("an edge that skips a column is routed around the card standing in its way", async () => {
  await expect(node("b")).toBeVisible();
  const samples = await page.locator('[data-testid="rf__edge-a->c[2]"] path.react-flow__edge-path').evaluate((path: SVGPathElement) => {
    const matrix = path.getScreenCTM()!;
    const length = path.getTotalLength();
    return Array.from({ length: 200 }, (_, i) => {
      const point = path.getPointAtLength((length * i) / 199);
      return { x: matrix.a * point.x + matrix.c * point.y + matrix.e, y: matrix.b * point.x + matrix.d * point.y + matrix.f };
    });
  });
  const blocker = (await node("b").boundingBox())!;
  const inside = samples.filter((p) => p.x > blocker.x && p.x < blocker.x + blocker.width && p.y > blocker.y && p.y < blocker.y + blocker.height);
  expect(samples.length).toBe(200);
  expect(inside).toEqual([]);
  // It still joins a's output to c's third input.
  const start = samples[0]!;
  const end = samples[samples.length - 1]!;
  const a = (await node("a").boundingBox())!;
  const c = (await node("c").boundingBox())!;
  expect(Math.abs(start.x - (a.x + a.width))).toBeLessThan(12);
  expect(Math.abs(end.x - c.x)).toBeLessThan(12);
  await shot("p14-5-04-edge-around-card");
});

test("new cards never land on top of existing ones: palette, and paste", async () => {
  for (let i = 0; i < 3; i++) await page.getByTestId("palette-std.sum").dblclick();
  await expect(page.locator(".react-flow__node")).toHaveCount(8);
  await page.keyboard.press("Control+c"); // the last added card is selected
  await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
  await node("a").click();
  await page.keyboard.press("Control+c");
  await page.keyboard.press("Control+v");
  await page.keyboard.press("Control+v");
  await expect(page.locator(".react-flow__node")).toHaveCount(10);
  await page.getByRole("button", { name: "Fit", exact: true }).click();
  await page.waitForTimeout(400);
  const boxes = await page.locator(".react-flow__node").evaluateAll((elements) => elements.map((e) => ({ id: e.getAttribute("data-id"), ...e.getBoundingClientRect().toJSON() as { x: number; y: number; width: number; height: number } })));
  const clashes: string[] = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlaps(boxes[i]!, boxes[j]!)) clashes.push(`${boxes[i]!.id} over ${boxes[j]!.id}`);
  expect(clashes).toEqual([]);
  await shot("p14-5-05-no-overlap");
});

test("a very large DAG opens as a painted overview; a click on a painted card finds that task", async () => {
  await importFile(wideDag(`e2e-overview-${SUFFIX}`, 50, 50));
  const overview = page.getByTestId("overview-canvas");
  await expect(overview).toHaveAttribute("data-cards", "2500", { timeout: 60_000 });
  // React Flow holds no cards while the overview is painted.
  await expect(page.locator(".react-flow__node")).toHaveCount(0);
  await shot("p14-5-08-painted-overview");
  // The auto-layout puts a card of the first layer at flow position (0, 0): click the middle of its top.
  const viewport = await page.locator(".react-flow__viewport").first().evaluate((element) => {
    const matrix = new DOMMatrixReadOnly(getComputedStyle(element).transform);
    const box = element.parentElement!.getBoundingClientRect();
    return { x: box.x + matrix.e, y: box.y + matrix.f, zoom: matrix.a };
  });
  await page.mouse.click(viewport.x + 100 * viewport.zoom, viewport.y + 20 * viewport.zoom);
  await expect(page.getByTestId("inspector-id")).toHaveValue(/^t0_\d+$/);
  const found = await page.getByTestId("inspector-id").inputValue();
  await expect(node(found)).toBeInViewport();
  await expect(node(found)).toHaveClass(/selected/);
});

test("labels stay readable at middle zoom (at least 10 px on screen)", async () => {
  await importFile(wideDag(`e2e-labels-${SUFFIX}`, 8, 8));
  await expect(node("t0_0")).toBeVisible({ timeout: 30_000 });
  await page.getByRole("button", { name: "Fit", exact: true }).click();
  // From reading zoom down to the overview, one zoom-out click at a time.
  for (let clicks = 0; clicks < 12 && (await zoom()) < 1; clicks++) await page.locator(".react-flow__controls-zoomin").click();
  const measured: { zoom: number; px: number }[] = [];
  for (let clicks = 0; clicks < 30; clicks++) {
    await page.locator(".react-flow__controls-zoomout").click();
    // The zoom-out button animates: read once the zoom has settled.
    let current = await zoom();
    for (let previous = -1; previous !== current; ) {
      previous = current;
      await page.waitForTimeout(150);
      current = await zoom();
    }
    if (current < 0.3) break;
    if (current >= 0.7) continue;
    const label = page.locator(".task-node.mid .task-node-label").first();
    await expect(label).toBeVisible();
    const fontPx = Number.parseFloat(await label.evaluate((element) => getComputedStyle(element).fontSize));
    measured.push({ zoom: current, px: fontPx * current });
  }
  expect(measured.length).toBeGreaterThanOrEqual(3);
  for (const sample of measured) expect(sample.px, `label at zoom ${sample.zoom.toFixed(2)}`).toBeGreaterThanOrEqual(9.9);
  await shot("p14-5-06-labels-middle-zoom");
});

test("the run view's graph has a 'show failures' control that highlights what failed and what it stopped", async () => {
  const file = {
    format: "handoff.dag",
    version: 1,
    name: `e2e-failures-${SUFFIX}`,
    onFailure: "continue",
    tasks: [
      { id: "ok", fn: "std.constant", extraArgs: [1], position: { x: 0, y: 0 } },
      { id: "boom", fn: "std.fail", extraArgs: ["on purpose"], maxRetries: 0, position: { x: 0, y: 160 } },
      { id: "after", fn: "std.identity", args: ["boom"], position: { x: 280, y: 160 } },
      { id: "fine", fn: "std.identity", args: ["ok"], position: { x: 280, y: 0 } },
    ],
  };
  const response = await fetch(`${stack.url}/api/trpc/runs.start`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ dag: { file }, options: { maxRetries: 0, onFailure: "continue" } }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  const { runId } = ((await response.json()) as { result: { data: { runId: string } } }).result.data;
  await page.goto(`${stack.url}/runs/${encodeURIComponent(runId)}`);
  await expect(page.getByTestId("run-status")).toHaveText(/failed|succeeded/, { timeout: 60_000 });
  await expect(node("boom")).toHaveAttribute("data-state", "failed");
  await expect(page.getByTestId("show-failures")).toHaveText("Show failures (1)");
  await page.getByTestId("show-failures").click();
  await expect(page.getByTestId("show-failures")).toHaveAttribute("aria-pressed", "true");
  await expect(node("boom")).toHaveClass(/lineage-focus/);
  await expect(node("after")).toHaveClass(/lineage-down/);
  await expect(node("ok")).toHaveClass(/dimmed/);
  await expect(node("fine")).toHaveClass(/dimmed/);
  await expect(node("boom")).toBeInViewport();
  await shot("p14-5-07-show-failures");
  // Ctrl+K works in the run view too, and selects the task for its panel.
  await page.getByTestId("show-failures").click();
  await page.keyboard.press("Control+k");
  await page.getByTestId("find-task-input").fill("fine");
  await page.keyboard.press("Enter");
  await expect(node("fine")).toHaveClass(/lineage-focus/);
  await expect(node("ok")).toHaveClass(/lineage-up/);
  await expect(node("boom")).toHaveClass(/dimmed/);
});
