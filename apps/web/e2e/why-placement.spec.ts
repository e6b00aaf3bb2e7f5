import { expect, test, type Page } from "@playwright/test";
import { dagFile, screenshot, startRun } from "./page-helpers.ts";
import { gateFile, requireChromium, signIn, startE2eStack, type Stack } from "./stack.ts";

requireChromium();

// Issue #16 part 2: "why here, and why waiting" in the run view's task panel and in the editor's placement preview.
// alpha has cpu 4, beta cpu 1 (AGENTS): a task costing cpu 3 fits only alpha, and a second one waits for it.
test.describe.configure({ mode: "serial" });

const SUFFIX = Date.now().toString(36);
let stack: Stack;
let page: Page;

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack({ withGates: true });
  page = await browser.newPage();
  await signIn(page, stack, "/runs");
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

const node = (taskId: string) => page.getByTestId(`task-node-${taskId}`);

test("the task panel says why a task waits, live, and why a running task is where it is", async () => {
  // "big" holds alpha until the waiting panel has been checked (a 4 s sleep ended first under load).
  const gate = gateFile("big");
  const runId = await startRun(
    stack,
    dagFile(`e2e-why-${SUFFIX}`, [
      { id: "big", fn: "e2e.gate", extraArgs: [gate.path, "first"], cost: { cpu: 3 } },
      { id: "big2", fn: "std.sleep", extraArgs: [10, "second"], cost: { cpu: 3 } },
    ]),
  );
  await page.goto(`${stack.url}/runs/${encodeURIComponent(runId)}`);
  await node("big2").click();
  const why = page.getByTestId("task-why");
  await expect(why).toContainText("Why waiting");
  // alpha is busy with "big" (lacks cpu now); beta could never hold cpu 3.
  await expect(why.getByTestId("why-waiting")).toContainText("waits for free capacity (cpu)");
  await expect(why.getByTestId("why-reason-lacks")).toHaveText("lacks cpu ×1");
  await expect(why.getByTestId("why-reason-too_small")).toHaveText("too small for cpu ×1");
  await why.getByTestId("why-candidates").locator("summary").click();
  await expect(why.getByTestId("why-candidate-alpha")).toContainText("lacks");
  await expect(why.getByTestId("why-candidate-beta")).toContainText("too small");
  await screenshot(page, "why-01-waiting");
  gate.open();

  // Once "big" ends, "big2" runs on alpha, and the same panel turns into "Why here" without a reload.
  await expect(why).toContainText("Why here", { timeout: 30_000 });
  await expect(why.getByTestId("why-machine")).toHaveText("alpha");
  await expect(why.getByTestId("why-reason-too_small")).toHaveText("too small for cpu ×1");

  await node("big").click();
  await expect(page.getByTestId("task-why").getByTestId("why-machine")).toHaveText("alpha");
  await expect(page.getByTestId("task-why").getByTestId("why-rule")).not.toBeEmpty();
  await screenshot(page, "why-02-here");
});

test("the editor's preview gives the same explanation", async () => {
  await page.goto(`${stack.url}/editor`);
  await expect(page.getByTestId("palette-std.constant")).toBeVisible();
  await page.getByTestId("palette-std.constant").dragTo(page.getByTestId("canvas"), { targetPosition: { x: 200, y: 200 } });
  await expect(node("constant")).toBeVisible();
  await page.getByTestId("inspector-extra-args").fill("[1]");
  await page.getByTestId("inspector-extra-args").blur();
  const why = page.getByTestId("inspector-why");
  // Both machines could take it: one is chosen, the other counted as ranked lower by the strategy.
  await expect(page.getByTestId("inspector-placement")).toContainText(/Would run on (alpha|beta)/, { timeout: 15_000 });
  await expect(why.getByTestId("inspector-why-rule")).not.toBeEmpty();
  await expect(why.getByTestId("inspector-why-reason-ranked_lower")).toHaveText("ranked lower ×1");
  await screenshot(page, "why-03-editor-preview");
});
