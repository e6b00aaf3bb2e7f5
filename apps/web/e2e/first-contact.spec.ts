import { expect, test, type Dialog, type Page } from "@playwright/test";
import { answeringDialog, callApi, screenshot } from "./page-helpers.ts";
import { requireChromium, signIn, startE2eStack, type Stack } from "./stack.ts";

requireChromium();

// Issue #14 §7: first contact — examples that run as they are, a shortcuts sheet, Ctrl+A, Drain asks, Versions diff.
test.describe.configure({ mode: "serial" });

let stack: Stack;
let page: Page;

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack({ withExamples: true });
  page = await browser.newPage();
  await signIn(page, stack, "/editor");
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

const node = (taskId: string) => page.getByTestId(`task-node-${taskId}`);
const acceptAll = (dialog: Dialog) => void dialog.accept();

/** Opens an example from Open… (accepting "unsaved changes?" when an earlier example is still open). */
async function openExample(name: string): Promise<void> {
  // The palette is filled once the page is hydrated: a choice made before would be lost.
  await expect(page.getByTestId("palette-std.constant")).toBeVisible();
  page.on("dialog", acceptAll);
  try {
    await page.getByTestId("open-dag").selectOption({ label: name });
    await expect(page.getByTestId("editor-toolbar").locator("strong.mono")).toHaveText(name);
  } finally {
    page.off("dialog", acceptAll);
  }
}

async function runFromEditor(): Promise<string> {
  await page.getByTestId("run").click();
  await page.getByTestId("run-start").click();
  await expect(page).toHaveURL(/\/runs\/[^/]+$/);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
  return decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
}

async function resultOf(taskId: string): Promise<string> {
  await node(taskId).click();
  const preview = page.getByTestId("result-preview");
  await expect(preview).toBeVisible();
  return (await preview.textContent()) ?? "";
}

test("Open… lists the word count and examples of fan-out/fan-in, edge transforms and pinning", async () => {
  const examples = page.getByTestId("open-dag").locator('optgroup[label^="Examples"] option');
  await expect(examples).toHaveText(["word-count", "fan-out-fan-in", "edge-transforms", "pinning"]);
  await screenshot(page, "p7-01-open-examples");
});

test("the word count runs on the local agents as it is", async () => {
  await openExample("word-count");
  await expect(page.getByTestId("problem-count")).toHaveText("valid");
  await runFromEditor();
  expect(await resultOf("top")).toMatch(/"the",\s*5/);
});

test("fan-out and fan-in run as they are: four shares side by side, one total", async () => {
  await page.goto(`${stack.url}/editor`);
  await openExample("fan-out-fan-in");
  await expect(node("share3")).toBeVisible();
  await expect(page.getByTestId("problem-count")).toHaveText("valid");
  const runId = await runFromEditor();
  expect(await resultOf("total")).toBe("650");
  const timeline = await callApi<{ attempts: { taskId: string; startedAt: string; finishedAt: string }[] }>(stack, "runs.timeline", { runId });
  const shares = timeline.attempts.filter((attempt) => attempt.taskId.startsWith("share"));
  expect(shares).toHaveLength(4);
  // Side by side: some share started before another had finished.
  expect(shares.some((a) => shares.some((b) => a !== b && Date.parse(a.startedAt) < Date.parse(b.finishedAt) && Date.parse(b.startedAt) < Date.parse(a.finishedAt)))).toBe(true);
  await screenshot(page, "p7-02-fan-out-fan-in");
});

test("edge transforms run as they are: a field picked where it was made, doubled where it is used", async () => {
  await page.goto(`${stack.url}/editor`);
  await openExample("edge-transforms");
  await expect(page.getByTestId("problem-count")).toHaveText("valid");
  await runFromEditor();
  expect(await resultOf("max_doubled")).toBe("18");
  expect(await resultOf("mean")).toBe("3.875");
});

test("pinning runs as it is: pinned to a machine of this cluster, its consumers beside it", async () => {
  await page.goto(`${stack.url}/editor`);
  await openExample("pinning");
  await node("data").click();
  const pinned = await page.getByLabel("pinned machine").inputValue();
  expect(["alpha", "beta"]).toContain(pinned);
  await expect(page.getByTestId("problem-count")).toHaveText("valid");
  const runId = await runFromEditor();
  const run = await callApi<{ tasks: { taskId: string; machine: string | null }[] }>(stack, "runs.get", { runId });
  expect(run.tasks.map((task) => [task.taskId, task.machine])).toEqual([["data", pinned], ["size", pinned], ["checksum", pinned]]);
  expect(await resultOf("size")).toBe("1048576");
  await screenshot(page, "p7-03-pinning");
});

test("'?' lists the keyboard shortcuts; Ctrl+A selects every task, not the page", async () => {
  await page.goto(`${stack.url}/editor`);
  await openExample("word-count");
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("?");
  const sheet = page.getByTestId("shortcuts-sheet");
  await expect(sheet).toBeVisible();
  for (const keys of ["Ctrl+S", "Ctrl+Z", "Ctrl+A", "Ctrl+C / Ctrl+V", "Delete / Backspace", "Ctrl+K", "?"]) await expect(sheet.locator("kbd", { hasText: keys }).first()).toBeVisible();
  await screenshot(page, "p7-04-shortcuts-sheet");
  await page.keyboard.press("Escape");
  await expect(sheet).toHaveCount(0);
  await page.getByTestId("shortcuts-button").click();
  await expect(sheet).toBeVisible();
  await sheet.getByRole("button", { name: "close" }).click();
  await expect(sheet).toHaveCount(0);

  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await page.keyboard.press("Control+a");
  await expect(page.locator(".react-flow__node.selected")).toHaveCount(10);
  expect(await page.evaluate(() => window.getSelection()?.toString() ?? "")).toBe("");
  await screenshot(page, "p7-05-ctrl-a");
  // In a field, Ctrl+A selects the field's text and leaves the canvas alone.
  await page.locator(".react-flow__pane").click({ position: { x: 20, y: 20 } });
  await expect(page.locator(".react-flow__node.selected")).toHaveCount(0);
  await node("top").click();
  await expect(page.locator(".react-flow__node.selected")).toHaveCount(1);
  await page.getByTestId("inspector-id").focus();
  await page.keyboard.press("Control+a");
  await expect(page.locator(".react-flow__node.selected")).toHaveCount(1);
  expect(await page.getByTestId("inspector-id").evaluate((input: HTMLInputElement) => input.value.slice(input.selectionStart ?? 0, input.selectionEnd ?? 0))).toBe("top");
});

test("Versions shows what changed between two versions", async () => {
  await page.goto(`${stack.url}/editor`);
  await openExample("fan-out-fan-in");
  await page.keyboard.press("Control+s");
  await expect(page.getByTestId("save-state")).toHaveText("v1");
  await node("numbers").click();
  await page.getByTestId("inspector-extra-args").fill("[[1,2,3]]");
  await page.getByTestId("inspector-extra-args").blur();
  await node("share3").click();
  await page.keyboard.press("Delete");
  await expect(node("share3")).toHaveCount(0);
  await page.keyboard.press("Control+s");
  await expect(page.getByTestId("save-state")).toHaveText("v2");
  await page.getByRole("button", { name: "Versions" }).click();
  const diff = page.getByTestId("version-diff");
  await expect(diff.getByTestId("diff-from")).toHaveValue("1");
  await expect(diff.getByTestId("diff-to")).toHaveValue("2");
  const result = diff.getByTestId("diff-result");
  await expect(result).toContainText("task share3 removed");
  await expect(result).toContainText("task numbers");
  await expect(result).toContainText("extraArgs: [[1,2,3,4,5,6,7,8,9,10,11,12]] → [[1,2,3]]");
  await expect(result).toContainText("task total");
  await screenshot(page, "p7-06-versions-diff");
  await diff.getByTestId("diff-to").selectOption("1");
  await expect(diff.getByTestId("diff-same")).toHaveText("v1 and v1 are the same.");
});

test("Drain asks before it takes a machine out of placement; Undrain does not", async () => {
  await page.goto(`${stack.url}/cluster`);
  const card = page.getByTestId("machine-beta");
  const question = await answeringDialog(page, "confirm", false, () => card.getByTestId("drain").click());
  expect(question).toContain('Drain machine "beta"?');
  expect(question).toContain("takes no new tasks");
  await expect(card.locator(".badge").first()).toHaveText("online");
  await answeringDialog(page, "confirm", true, () => card.getByTestId("drain").click());
  await expect(card.locator(".badge").first()).toHaveText("draining");
  await screenshot(page, "p7-07-drained");
  let asked = false;
  const onDialog = (dialog: Dialog) => {
    asked = true;
    void dialog.dismiss();
  };
  page.on("dialog", onDialog);
  await card.getByTestId("undrain").click();
  await expect(card.locator(".badge").first()).toHaveText("online");
  page.off("dialog", onDialog);
  expect(asked).toBe(false);
});
