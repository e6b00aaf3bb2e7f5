import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, test, type Dialog, type Page } from "@playwright/test";
import { SCREENSHOTS, requireChromium, signIn, startE2eStack, type Stack } from "./stack.ts";

requireChromium();

// Issue #17 §1: a DAG exported as TypeScript and imported back is the same DAG; code that cannot be read is named by line.
test.describe.configure({ mode: "serial" });

let stack: Stack;
let page: Page;

const FILE = {
  format: "handoff.dag",
  version: 1,
  name: `e2e-dag-code-${Date.now().toString(36)}`,
  description: "Round trip through TypeScript",
  onFailure: "continue",
  tasks: [
    { id: "source", fn: "std.constant", extraArgs: [{ rows: [1, -2.5, null], blob: { $bytes: "AAEC" } }], cost: { cpu: 1 }, position: { x: 0, y: 40 }, label: "Source" },
    { id: "picked", fn: "std.identity", args: [{ from: "source", encode: { fn: "std.pick", args: ["rows"] } }], maxRetries: 2, retryBackoff: { initialMs: 0 }, timeoutMs: 60000, position: { x: 320, y: 0 } },
    { id: "both", fn: "std.concat", args: ["picked", "source"], argumentInclusion: "as_list", placement: { kind: "collocated", with: "picked" }, position: { x: 640, y: 40 } },
  ],
};

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack();
  page = await browser.newPage();
  await signIn(page, stack, "/editor");
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** The text of what clicking `testId` downloads. */
async function downloaded(testId: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testId).click()]);
  return { name: download.suggestedFilename(), text: await readFile(await download.path(), "utf8") };
}

async function downloadedJson(): Promise<unknown> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export", exact: true }).click()]);
  return JSON.parse(await readFile(await download.path(), "utf8"));
}

/** Runs `act` answering the one confirm it raises (opening a DAG over unsaved work asks first). */
async function confirming(act: () => Promise<unknown>): Promise<void> {
  const seen = new Promise<Dialog>((resolve) => page.once("dialog", resolve));
  await Promise.all([seen.then((dialog) => dialog.accept()), act()]);
}

test("exports the DAG as TypeScript and imports it back as the same graph", async () => {
  await page.getByTestId("import-input").setInputFiles({ name: "code.dag.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(FILE)) });
  for (const id of ["source", "picked", "both"]) await expect(page.getByTestId(`task-node-${id}`)).toBeVisible();
  await expect(page.locator(".react-flow__edge")).toHaveCount(3);

  const code = await downloaded("export-code");
  expect(code.name).toBe(`${FILE.name}.dag.ts`);
  expect(code.text).toContain('import { Dag, edge } from "@handoff/sdk";');
  expect(code.text).toContain('edge("source", { encode: { fn: "std.pick", args: ["rows"] } })');

  // The imported module replaces the open DAG: the editor starts from another one to show it arrives.
  await page.getByTestId("import-code").click();
  await page.getByTestId("import-code-file").setInputFiles({ name: code.name, mimeType: "text/typescript", buffer: Buffer.from(code.text) });
  await expect(page.getByTestId("import-code-text")).toHaveValue(code.text);
  await shot("dag-code-01-import-panel");
  // The parser (TypeScript, ~9 MB) runs in a Web Worker started by this first import, not with the editor.
  const parser = page.waitForEvent("worker");
  await confirming(() => page.getByTestId("import-code-read").click());
  expect((await parser).url()).toMatch(/^http/);
  await expect(page.getByTestId("import-code-panel")).toBeHidden();
  for (const id of ["source", "picked", "both"]) await expect(page.getByTestId(`task-node-${id}`)).toBeVisible();
  await expect(page.locator(".react-flow__edge")).toHaveCount(3);
  await shot("dag-code-02-imported");

  // Same DAG: the JSON export equals the file first opened (positions, labels, $bytes included), and the code is the same text.
  expect(await downloadedJson()).toEqual(FILE);
  expect((await downloaded("export-code")).text).toBe(code.text);
});

test("refuses code it cannot follow, showing the line and column, and keeps the open DAG", async () => {
  await page.getByTestId("import-code").click();
  const bad = 'import { Dag } from "@handoff/sdk";\n\nexport const dag = new Dag("bad")\n  .addTask({ id: makeId(), fn: "std.constant" });\n';
  await page.getByTestId("import-code-text").fill(bad);
  await page.getByTestId("import-code-read").click();
  await expect(page.getByTestId("import-code-problems")).toContainText("line 4, column 18: found a call to `makeId()`: only literals are read (the module is parsed, never run)");
  await shot("dag-code-03-refused");
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("task-node-source")).toBeVisible();
});

test("lays out a module written without positions (250 tasks, in the layout worker)", async () => {
  const calls = Array.from({ length: 250 }, (_, i) => `dag.addTask({ id: "t${i}", fn: "std.identity", args: [${i === 0 ? "" : `"t${Math.floor((i - 1) / 2)}"`}] });`);
  const code = `import { Dag } from "@handoff/sdk";\n\nconst dag = new Dag("sdk-written");\n${calls.join("\n")}\nexport default dag;\n`;
  await page.getByTestId("import-code").click();
  await page.getByTestId("import-code-text").fill(code);
  await confirming(() => page.getByTestId("import-code-read").click());
  await expect(page.getByTestId("import-code-panel")).toBeHidden();
  const file = (await downloadedJson()) as { name: string; tasks: { id: string; position?: { x: number; y: number } }[] };
  expect(file.name).toBe("sdk-written");
  expect(file.tasks).toHaveLength(250);
  const placed = new Set(file.tasks.map((task) => (task.position === undefined ? "none" : `${task.position.x},${task.position.y}`)));
  expect(placed.has("none")).toBe(false);
  expect(placed.size).toBe(250);
});
