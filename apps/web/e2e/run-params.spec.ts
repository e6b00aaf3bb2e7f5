import { expect, test, type Page } from "@playwright/test";
import { callApi, screenshot } from "./page-helpers.ts";
import { signIn, startE2eStack, type Stack, requireChromium } from "./stack.ts";

requireChromium();

// Issue #16 part 3: the run dialog asks for a DAG's run parameters, from their schemas; bad ones are refused
// before anything runs, and the run shows the values it ran with.
test.describe.configure({ mode: "serial" });

const NAME = `e2e-params-${Date.now().toString(36)}`;
let stack: Stack;
let page: Page;

const file = (tasks: unknown[]) => ({
  format: "handoff.dag",
  version: 1,
  name: NAME,
  params: { n: { type: "integer", minimum: 1, default: 2, description: "how many" }, label: { type: "string" } },
  tasks,
});
const good = file([
  { id: "base", fn: "std.constant", extraArgs: [{ list: [{ $param: "n" }, 10], label: { $param: "label" } }], position: { x: 0, y: 0 } },
  { id: "sum", fn: "std.sum", args: [{ from: "base", decode: { fn: "std.pick", args: ["list"] } }, { param: "n" }], position: { x: 320, y: 0 } },
]);

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack();
  page = await browser.newPage();
  page.on("dialog", (dialog) => void dialog.accept());
  await signIn(page, stack, "/editor");
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

async function importFile(content: unknown, name: string): Promise<void> {
  await page.getByTestId("import-input").setInputFiles({ name, mimeType: "application/json", buffer: Buffer.from(JSON.stringify(content)) });
}

async function runsOfDag(): Promise<unknown[]> {
  return (await callApi<{ items: unknown[] }>(stack, "runs.list", { dag: NAME })).items;
}

test("the editor marks a task that refers to an undeclared param", async () => {
  await importFile(good, "params.dag.json");
  await expect(page.getByTestId("task-node-base")).toBeVisible();
  await expect(page.getByTestId("problem-count")).toHaveText(/valid/);
  await page.getByTestId("task-node-base").click();
  await page.getByTestId("inspector-extra-args").fill('[{"$param":"size"}]');
  await page.getByTestId("inspector-extra-args").blur();
  await expect(page.getByTestId("problem-count")).toHaveText(/1 problem/);
  await expect(page.getByTestId("inspector-problems")).toContainText('refers to undeclared param "size"');
  await screenshot(page, "params-00-undeclared");
});

test("the run dialog's form refuses a bad value before anything runs, then runs with the values given", async () => {
  await importFile(good, "params.dag.json");
  await expect(page.getByTestId("task-node-sum")).toBeVisible();
  await expect(page.getByTestId("problem-count")).toHaveText(/valid/);
  await page.getByTestId("run").click();
  const form = page.getByTestId("run-params");
  await expect(form).toContainText("n (default 2)");
  await expect(form).toContainText("how many");
  await expect(form).toContainText("label (required)");
  // The form reads a field as its type: text is no integer.
  await page.getByTestId("param-0").fill("two");
  await page.getByTestId("param-0").press("Tab");
  await expect(form).toContainText("not a number");
  // A value of the right type that its schema refuses: the server names it, and writes nothing.
  await page.getByTestId("param-0").fill("0");
  await page.getByTestId("param-0").press("Tab");
  await page.getByTestId("param-1").fill("hello");
  await page.getByTestId("param-1").press("Tab");
  await page.getByTestId("run-start").click();
  await expect(page.getByTestId("run-options")).toContainText(/param "n": .*1/);
  await screenshot(page, "params-01-refused");
  expect(await runsOfDag()).toEqual([]);
  await page.getByTestId("param-0").fill("4");
  await page.getByTestId("param-0").press("Tab");
  await page.getByTestId("run-start").click();
  await expect(page).toHaveURL(/\/runs\//);
  await expect(page.getByTestId("run-params")).toHaveText('n = 4 · label = "hello"');
  await expect(page.getByTestId("run-header")).toContainText(/succeeded/i, { timeout: 60_000 });
  await screenshot(page, "params-02-run-with-values");
  const runId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
  const view = await callApi<{ params: unknown }>(stack, "runs.get", { runId });
  expect(view.params).toEqual({ n: 4, label: "hello" });
  expect(await runsOfDag()).toHaveLength(1);
});
