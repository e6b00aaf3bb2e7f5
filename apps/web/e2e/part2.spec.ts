import { expect, test, type Page } from "@playwright/test";
import path from "node:path";
import { answeringDialog } from "./page-helpers.ts";
import { SCREENSHOTS, signIn, startE2eStack, type Stack, requireChromium } from "./stack.ts";
import { wideDag } from "./wide-dag.ts";

requireChromium();

// Issue #6: time (timeline, filters, re-run), load (drain, charts, tokens) and scale (1,000 tasks).
test.describe.configure({ mode: "serial" });

const SUFFIX = Date.now().toString(36);
let stack: Stack;
let page: Page;

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack();
  page = await browser.newPage();
  await signIn(page, stack, "/runs");
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** A tRPC call with a bearer token, as any API client would make it. */
async function api(pathAndQuery: string, token: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.url}/api/trpc/${pathAndQuery}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function query<T>(procedure: string, input: unknown): Promise<T> {
  const response = await api(`${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, stack.adminToken);
  expect(response.status, `${procedure}: ${await response.clone().text()}`).toBe(200);
  return ((await response.json()) as { result: { data: T } }).result.data;
}

async function startRun(file: unknown, options: Record<string, unknown> = {}): Promise<string> {
  const response = await api("runs.start", stack.adminToken, { dag: { file }, options });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { result: { data: { runId: string } } }).result.data.runId;
}

interface Timeline {
  status: string;
  attempts: { id: string; taskId: string; number: number; machine: string | null; state: string }[];
}

async function finished(runId: string): Promise<Timeline> {
  let timeline: Timeline | undefined;
  await expect(async () => {
    timeline = await query<Timeline>("runs.timeline", { runId });
    expect(["succeeded", "failed", "cancelled"]).toContain(timeline.status);
  }).toPass({ timeout: 120_000 });
  return timeline!;
}

test("the timeline shows every attempt of a finished run on the machine it ran on", async () => {
  const file = {
    format: "handoff.dag",
    version: 1,
    name: `e2e-timeline-${SUFFIX}`,
    onFailure: "continue",
    tasks: [
      { id: "source", fn: "std.bytes", extraArgs: [200_000, 7], placement: { kind: "pinned", machine: "alpha" } },
      { id: "size", fn: "std.length", args: ["source"], placement: { kind: "pinned", machine: "beta" } },
      { id: "nap", fn: "std.sleep", extraArgs: [300, "ok"], placement: { kind: "pinned", machine: "alpha" } },
      { id: "flaky", fn: "std.fail", extraArgs: ["on purpose"], maxRetries: 1, placement: { kind: "pinned", machine: "beta" } },
    ],
  };
  const runId = await startRun(file);
  const timeline = await finished(runId);
  // Two attempts of the failing task (one retry), one of every other.
  expect(timeline.attempts.filter((attempt) => attempt.taskId === "flaky")).toHaveLength(2);

  await page.goto(`${stack.url}/runs/${encodeURIComponent(runId)}`);
  await page.getByTestId("tab-timeline").click();
  await expect(page.getByTestId("timeline-lane-alpha")).toBeVisible();
  for (const attempt of timeline.attempts) {
    const bar = page.getByTestId(`timeline-bar-${attempt.taskId}-${attempt.number}`);
    await expect(bar).toHaveAttribute("data-machine", attempt.machine ?? "(unplaced)");
    await expect(bar).toHaveAttribute("data-state", attempt.state);
  }
  expect(timeline.attempts.find((attempt) => attempt.taskId === "source")?.machine).toBe("alpha");
  expect(timeline.attempts.find((attempt) => attempt.taskId === "size")?.machine).toBe("beta");
  await expect(page.locator('[data-testid^="timeline-bar-"]')).toHaveCount(timeline.attempts.length);
  // The value moved from alpha to beta: the transfer is drawn with its size.
  await expect(page.getByTestId("timeline-transfer-source-size")).toContainText(/KB/);
  // A bar selects its task in the task panel, with declared cost beside what was measured.
  await page.getByTestId("timeline-bar-flaky-2").click();
  await expect(page.getByTestId("task-panel")).toContainText("flaky");
  await expect(page.getByTestId("task-measured").locator("tbody tr")).toHaveCount(2);
  await shot("p2-01-timeline");
});

test("re-runs a finished run and lands on the new run", async () => {
  const before = page.url();
  await page.getByTestId("rerun").click();
  await expect(page).not.toHaveURL(before);
  await expect(page).toHaveURL(/\/runs\/[^/]+$/);
  await expect(page.getByTestId("run-status")).toHaveText(/failed|running|queued/, { timeout: 60_000 });
  await shot("p2-02-rerun");
});

test("filters the runs list, keeping the filters in the URL", async () => {
  await page.goto(`${stack.url}/runs`);
  await page.getByTestId("filter-status").selectOption("failed");
  await expect(page).toHaveURL(/status=failed/);
  await page.getByTestId("filter-dag").fill(`e2e-timeline-${SUFFIX}`);
  await expect(page).toHaveURL(new RegExp(`dag=e2e-timeline-${SUFFIX}`));
  const rows = page.getByTestId("runs-table").locator("tbody tr");
  await expect(rows.first()).toContainText(`e2e-timeline-${SUFFIX}`);
  await page.reload();
  await expect(page.getByTestId("filter-status")).toHaveValue("failed");
  await expect(page.getByTestId("filter-dag")).toHaveValue(`e2e-timeline-${SUFFIX}`);
  await page.getByTestId("filter-dag").fill("no-such-dag");
  await expect(page.getByText("No run matches these filters.")).toBeVisible();
  await shot("p2-03-runs-filtered");
});

test("a drained machine receives no new task; undrained, it is back", async () => {
  await page.goto(`${stack.url}/cluster`);
  const beta = page.getByTestId("machine-beta");
  await answeringDialog(page, "confirm", true, () => beta.getByTestId("drain").click());
  await expect(beta.getByText("draining", { exact: true })).toBeVisible();
  const tasks = Array.from({ length: 8 }, (_, index) => ({ id: `nap${index}`, fn: "std.sleep", extraArgs: [200, index] }));
  const runId = await startRun({ format: "handoff.dag", version: 1, name: `e2e-drain-${SUFFIX}`, strategy: "load_balanced", tasks });
  const timeline = await finished(runId);
  expect(timeline.status).toBe("succeeded");
  expect(new Set(timeline.attempts.map((attempt) => attempt.machine))).toEqual(new Set(["alpha"]));
  await expect(page.getByTestId("machine-alpha").getByTestId("load-charts")).toBeVisible();
  await shot("p2-04-cluster-drained");
  await beta.getByTestId("undrain").click();
  await expect(beta.getByText("online", { exact: true })).toBeVisible();
  await shot("p2-05-cluster-load");
});

test("a token revoked in the UI stops working at once", async () => {
  await page.getByRole("link", { name: "Tokens" }).click();
  await expect(page).toHaveURL(/\/tokens$/);
  const name = `e2e-revoke-${SUFFIX}`;
  await page.getByTestId("token-name").fill(name);
  await page.getByTestId("token-kind").selectOption("user");
  await page.getByTestId("token-create-submit").click();
  const secret = (await page.getByTestId("token-secret").textContent())!.trim();
  expect(secret.length).toBeGreaterThan(10);
  await shot("p2-06-token-created");
  expect((await api("auth.me", secret)).status).toBe(200);
  const row = page.getByTestId(`token-row-${name}`);
  await expect(row.getByTestId("token-last-used")).not.toHaveText("never", { timeout: 10_000 });
  await row.getByTestId("token-revoke").click();
  await row.getByTestId("token-revoke-confirm").click();
  await expect(row).toContainText("revoked");
  expect((await api("auth.me", secret)).status).toBe(401);
  await shot("p2-07-token-revoked");
});

/**
 * Every drawn edge starts on a card's output handle and ends on an input handle (on screen, within 1.5 px of
 * where React Flow attaches it: the handle's outer side, `getHandlePosition` in @xyflow/system, not its centre;
 * half a 9 px handle is 4 px on screen at the jump's reading zoom, so a check against centres fails there).
 */
async function expectEdgesOnHandles(): Promise<void> {
  await expect(async () => {
    const misplaced = await page.evaluate(() => {
      // An output handle (Position.Right) is met at its right side's middle, an input (Position.Left) at its left side's.
      const sideOf = (element: Element, isRight: boolean) => {
        const box = element.getBoundingClientRect();
        return { x: isRight ? box.right : box.left, y: box.top + box.height / 2 };
      };
      const sources = [...document.querySelectorAll(".react-flow__node .react-flow__handle.source")].map((handle) => sideOf(handle, true));
      const targets = [...document.querySelectorAll(".react-flow__node .react-flow__handle.target")].map((handle) => sideOf(handle, false));
      const near = (point: { x: number; y: number }, handles: { x: number; y: number }[]) => handles.some((h) => Math.hypot(h.x - point.x, h.y - point.y) < 1.5);
      const pane = document.querySelector(".react-flow")!.getBoundingClientRect();
      const onScreen = (point: { x: number; y: number }) => point.x > pane.left + 10 && point.y > pane.top + 10 && point.x < pane.right - 10 && point.y < pane.bottom - 10;
      const paths = [...document.querySelectorAll<SVGPathElement>(".react-flow__edge path.react-flow__edge-path")];
      let checked = 0;
      const wrong: string[] = [];
      for (const path of paths) {
        const matrix = path.getScreenCTM();
        if (matrix === null) continue;
        const toScreen = (p: DOMPoint) => ({ x: matrix.a * p.x + matrix.c * p.y + matrix.e, y: matrix.b * p.x + matrix.d * p.y + matrix.f });
        const start = toScreen(path.getPointAtLength(0));
        const end = toScreen(path.getPointAtLength(path.getTotalLength()));
        if (!onScreen(start) || !onScreen(end)) continue;
        checked++;
        if (!near(start, sources) || !near(end, targets)) wrong.push(path.closest(".react-flow__edge")?.getAttribute("data-id") ?? "?");
      }
      return { checked, wrong: wrong.slice(0, 5) };
    });
    expect(misplaced.checked).toBeGreaterThan(0);
    expect(misplaced.wrong).toEqual([]);
  }).toPass({ timeout: 10_000 });
}

/** The id of the card drawn closest to the card `selector` matches (in view, where the minimap cannot cover it). */
async function nearestCardTo(selector: string): Promise<string> {
  return page.evaluate((from) => {
    const centre = (element: Element) => {
      const box = element.getBoundingClientRect();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    };
    const origin = centre(document.querySelector(from)!);
    const others = [...document.querySelectorAll(".react-flow__node")].filter((node) => node.querySelector(from) === null);
    const distance = (node: Element) => Math.hypot(centre(node).x - origin.x, centre(node).y - origin.y);
    return others.reduce((best, node) => (distance(node) < distance(best) ? node : best)).getAttribute("data-id")!;
  }, selector);
}

/** Clicks the painted card at flow position (x, y) of the canvas's painted overview. */
async function clickPaintedCard(x: number, y: number): Promise<void> {
  const viewport = await page.locator(".react-flow__viewport").first().evaluate((element) => {
    const matrix = new DOMMatrixReadOnly(getComputedStyle(element).transform);
    const box = element.parentElement!.getBoundingClientRect();
    return { x: box.x + matrix.e, y: box.y + matrix.f, zoom: matrix.a };
  });
  await page.mouse.click(viewport.x + x * viewport.zoom, viewport.y + y * viewport.zoom);
}

test("a 1,000-task DAG opens in the editor and runs to success in the run view", async () => {
  test.setTimeout(400_000);
  const file = wideDag(`e2e-wide-${SUFFIX}`, 40, 25);
  await page.goto(`${stack.url}/editor`);
  await page.getByTestId("import-input").setInputFiles({ name: "wide.dag.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(file)) });
  // Far out, 1,000 tasks are painted (canvas/overview-canvas.tsx): React Flow holds no cards.
  await expect(page.getByTestId("overview-canvas")).toHaveAttribute("data-cards", "1000", { timeout: 30_000 });
  await expect(page.locator(".react-flow__node")).toHaveCount(0);
  await expect(page.getByTestId("problem-count")).toHaveText(/valid/, { timeout: 30_000 });
  await shot("p2-08-editor-1000");
  // So is its minimap (canvas/painted-minimap.tsx): React Flow's mounts a component per node.
  await expect(page.getByTestId("painted-minimap")).toBeVisible();
  await expect(page.locator(".react-flow__minimap")).toHaveCount(0);
  // A click on a painted card selects it and jumps to it: its card is drawn, selected, edges on its handles.
  await clickPaintedCard(100, 20);
  await expect(page.getByTestId("task-inspector")).toBeVisible();
  await expect(page.locator(".task-node.selected")).toBeInViewport();
  await expectEdgesOnHandles();
  await shot("p2-08b-editor-1000-edges");
  // Selecting a card re-derives every node: the cards' sizes (and so their handles) must survive it.
  await page.getByTestId(`task-node-${await nearestCardTo(".task-node.selected")}`).click();
  await expect(page.getByTestId("task-inspector")).toBeVisible();
  await expectEdgesOnHandles();
  // A press on the painted minimap moves the view there.
  const viewport = page.locator(".react-flow__viewport").first();
  const before = (await viewport.getAttribute("style"))!;
  await page.getByTestId("painted-minimap").click({ position: { x: 10, y: 10 } });
  await expect(viewport).not.toHaveAttribute("style", before);
  await page.locator(".react-flow__pane").click({ position: { x: 5, y: 5 } });
  await page.getByTestId("run").click();
  await page.getByTestId("run-start").click();
  await expect(page).toHaveURL(/\/runs\/[^/]+$/);
  await expect(page.getByTestId("overview-canvas")).toHaveAttribute("data-cards", "1000", { timeout: 30_000 });
  await shot("p2-09-run-1000-opened");
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 300_000 });
  // A click on a painted card in the run view selects that task and shows its card.
  await clickPaintedCard(100, 20);
  await expect(page.locator(".task-node.selected")).toBeInViewport();
  await expect(page.locator(".task-node.selected")).toHaveAttribute("data-state", "succeeded");
  await shot("p2-10-run-1000-succeeded");
  await page.getByTestId("tab-timeline").click();
  await expect(page.locator('[data-testid^="timeline-bar-"]')).toHaveCount(1000, { timeout: 30_000 });
  await shot("p2-11-timeline-1000");
});
