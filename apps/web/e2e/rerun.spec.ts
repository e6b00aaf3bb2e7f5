import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { dagFile, screenshot, startRun } from "./page-helpers.ts";
import { AGENTS, requireChromium, signIn, startE2eStack, type Stack } from "./stack.ts";

requireChromium();

// Issue #16 §1 and §4: re-run from failure where the data lives, and where the data is.
test.describe.configure({ mode: "serial" });

const SUFFIX = Date.now().toString(36);
const dir = mkdtempSync(path.join(tmpdir(), "handoff-e2e-rerun-"));
const counter = path.join(dir, "calls.txt");
const module = path.join(dir, "rerun-functions.mjs");
writeFileSync(
  module,
  `import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { defineFunction } from "@handoff/sdk";
export const failOnce = defineFunction({
  name: "e2e.fail_once",
  description: "The first call (counted in a file) throws; later ones return x * 10",
  run: (x, file) => {
    const calls = existsSync(file) ? readFileSync(file, "utf8").length : 0;
    appendFileSync(file, "x");
    if (calls === 0) throw new Error("first call fails");
    return x * 10;
  },
});
`,
);

let stack: Stack;
let page: Page;
let failedRun = "";
let rerunId = "";

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack({ agents: AGENTS.map((agent) => ({ ...agent, functions: [module] })) });
  page = await browser.newPage();
  await signIn(page, stack, "/runs");
  // "a" lives on beta; "t" fails once (no retry); "c" never starts; "d" succeeds beside them.
  failedRun = await startRun(
    stack,
    {
      ...dagFile(`e2e-rerun-${SUFFIX}`, [
        { id: "c0", fn: "std.constant", extraArgs: [2], placement: { kind: "pinned", machine: "beta" } },
        { id: "a", fn: "std.sum", args: ["c0", "c0"], placement: { kind: "pinned", machine: "beta" } },
        { id: "t", fn: "e2e.fail_once", args: ["a"], extraArgs: [counter], maxRetries: 0 },
        { id: "c", fn: "std.sum", args: ["t", "a"] },
        // Pinned, so that it fetches from beta whatever placement decides (a consumer may go beside its producers).
        { id: "d", fn: "std.sum", args: ["a", "c0"], placement: { kind: "pinned", machine: "alpha" } },
      ]),
      onFailure: "continue",
    },
  );
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

const node = (taskId: string) => page.getByTestId(`task-node-${taskId}`);

test("a failed run shows where its data is: results per machine, and the bytes each edge moved", async () => {
  await page.goto(`${stack.url}/runs/${encodeURIComponent(failedRun)}`);
  await expect(page.getByTestId("run-status")).toHaveText("failed");
  const data = page.getByTestId("run-data");
  await expect(data.getByTestId("data-machine-beta")).toContainText("holds");
  await expect(data.getByTestId("data-held-a")).toHaveText("a");
  // "d" ran on alpha (pinned) and fetched "a" and "c0" from beta: the edges say so, and so does the panel.
  await expect(data.getByTestId("data-moved-beta-alpha")).toContainText("beta → alpha");
  await expect(page.getByTestId("edge-moved-a-d")).toContainText("beta→alpha");
  await expect(page.getByTestId("edge-moved-c0-d")).toContainText("beta→alpha");
  await screenshot(page, "rerun-1-where-the-data-is");
});

test("Re-run from failed starts a new run that links back, reuses the succeeded results (badged) and runs the rest", async () => {
  await page.getByTestId("rerun-from-failed").click();
  await expect(page).not.toHaveURL(new RegExp(`/runs/${failedRun}$`));
  rerunId = decodeURIComponent(page.url().split("/runs/")[1] ?? "");
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
  await expect(page.getByTestId("run-origin")).toContainText("re-run of");
  await expect(page.getByTestId("run-origin-link")).toHaveAttribute("href", `/runs/${encodeURIComponent(failedRun)}`);
  for (const taskId of ["c0", "a", "d"]) await expect(node(taskId).getByTestId("reused-badge")).toBeVisible();
  for (const taskId of ["t", "c"]) await expect(node(taskId).getByTestId("reused-badge")).toHaveCount(0);
  const data = page.getByTestId("run-data");
  await expect(data.getByTestId("data-held-a")).toHaveText("a · reused");
  // "t" and "c" ran where their reused inputs were (beta): no value moved.
  await expect(data.getByTestId("data-moved-none")).toBeVisible();
  await expect(page.locator('[data-testid^="edge-moved-"]')).toHaveCount(0);
  await screenshot(page, "rerun-2-reused");
});

test("Re-run from here runs the chosen task and what is downstream, reusing the rest", async () => {
  await node("c").click();
  await page.getByTestId("rerun-from-here").click();
  await expect(page).not.toHaveURL(new RegExp(`/runs/${rerunId}$`));
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
  await expect(page.getByTestId("run-origin-link")).toHaveAttribute("href", `/runs/${encodeURIComponent(rerunId)}`);
  for (const taskId of ["c0", "a", "t", "d"]) await expect(node(taskId).getByTestId("reused-badge")).toBeVisible();
  await expect(node("c").getByTestId("reused-badge")).toHaveCount(0);
  // A run that succeeded whole offers no "from failed".
  await expect(page.getByTestId("rerun-from-failed")).toHaveCount(0);
  await screenshot(page, "rerun-3-from-here");
});
