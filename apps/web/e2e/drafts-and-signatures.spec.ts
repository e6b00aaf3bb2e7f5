import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { answeringDialog, screenshot } from "./page-helpers.ts";
import { AGENTS, requireChromium, signIn, startE2eStack, type Stack } from "./stack.ts";

requireChromium();

// Issue #14 §1–§2, what part3.spec.ts leaves out: the draft of a DAG never saved, the URL after Ctrl+S, and the
// editor naming the machine whose code disagrees.
test.describe.configure({ mode: "serial" });

const SUFFIX = Date.now().toString(36);
let stack: Stack;
let page: Page;

/** A module offering `demo.pair` with the given named inputs: the two agents load different versions of it. */
function pairModule(label: string, names: readonly string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), `handoff-e2e-pair-${label}-`)), "pair.mjs");
  writeFileSync(file, `import { defineFunction } from "@handoff/sdk";\nexport const pair = defineFunction({ name: "demo.pair", inputs: { kind: "named", names: ${JSON.stringify(names)} }, run: (...xs) => xs });\n`);
  return file;
}

test.beforeAll(async ({ browser }) => {
  const [alpha, beta] = AGENTS;
  stack = await startE2eStack({ agents: [{ ...alpha, functions: [pairModule("new", ["left", "right"])] }, { ...beta, functions: [pairModule("old", ["both"])] }] });
  page = await browser.newPage();
  await signIn(page, stack, "/editor");
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

const node = (taskId: string) => page.getByTestId(`task-node-${taskId}`);

async function importFile(file: unknown): Promise<void> {
  await page.getByTestId("import-input").setInputFiles({ name: "dag.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(file)) });
}

test("the editor says which machine's code disagrees with a call, live", async () => {
  await importFile({ format: "handoff.dag", version: 1, name: `e2e-pair-${SUFFIX}`, tasks: [{ id: "one", fn: "std.constant", extraArgs: [1], position: { x: 0, y: 0 } }, { id: "p", fn: "demo.pair", args: ["one", "one"], position: { x: 300, y: 0 } }] });
  await expect(node("p")).toBeVisible();
  await expect(page.getByTestId("problem-count")).toHaveText(/1 problem/);
  await node("p").click();
  await expect(page.getByTestId("inspector-problems")).toContainText('the code on machine "beta" disagrees with the other machines offering demo.pair; machine "alpha" accepts it');
  await screenshot(page, "p3g-01-machine-disagrees");
});

test("a DAG never saved comes back from its draft after a reload, and goes once discarded", async () => {
  await page.waitForTimeout(800); // the draft is written half a second after the last edit
  await answeringDialog(page, "beforeunload", true, () => page.reload());
  await expect(page.getByTestId("draft-banner")).toContainText("Restored unsaved changes");
  await expect(node("p")).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("not saved");
  await screenshot(page, "p3g-02-unsaved-draft-restored");
  await page.getByTestId("draft-discard").click();
  await expect(node("p")).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId("draft-banner")).toHaveCount(0);
  await expect(page.getByTestId("problem-count")).toHaveText("empty");
});

test("Ctrl+S saves a new DAG and the URL then names it, so a reload reopens it", async () => {
  await importFile({ format: "handoff.dag", version: 1, name: `e2e-named-${SUFFIX}`, tasks: [{ id: "one", fn: "std.constant", extraArgs: [1], position: { x: 0, y: 0 } }] });
  await expect(node("one")).toBeVisible();
  await page.keyboard.press("Control+s");
  await expect(page.getByTestId("save-state")).toHaveText("v1");
  await expect(page).toHaveURL(new RegExp(`/editor\\?dag=e2e-named-${SUFFIX}$`));
  await page.reload();
  await expect(node("one")).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("v1");
});
