import { expect, test, type Locator, type Page } from "@playwright/test";
import path from "node:path";
import { answeringDialog as answerDialog, connectPorts } from "./page-helpers.ts";
import { SCREENSHOTS, signIn, startE2eStack, type Stack, requireChromium } from "./stack.ts";

requireChromium();

// Issue #14: nothing the user made is lost; validation that knows the functions.
test.describe.configure({ mode: "serial" });

const SUFFIX = Date.now().toString(36);
const DAG_NAME = `e2e-drafts-${SUFFIX}`;
let stack: Stack;
let page: Page;

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

function node(taskId: string): Locator {
  return page.getByTestId(`task-node-${taskId}`);
}

async function dropFunction(fn: string, x: number, y: number): Promise<void> {
  await page.getByTestId(`palette-${fn}`).dragTo(page.getByTestId("canvas"), { targetPosition: { x, y } });
}

/** Runs `act` expecting exactly one dialog of `type`, answered with `accept`; returns its message. */
async function answeringDialog(type: string, accept: boolean, act: () => Promise<unknown>): Promise<string> {
  return answerDialog(page, type, accept, act);
}

async function api(procedure: string, body: unknown): Promise<Response> {
  return fetch(`${stack.url}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

test("shows std.constant without its value as invalid while it is drawn, on the node and in the inspector", async () => {
  await dropFunction("std.constant", 160, 200);
  await expect(node("constant")).toBeVisible();
  await expect(page.getByTestId("problem-count")).toHaveText(/1 problem/);
  await expect(node("constant")).toHaveAttribute("data-problems", "1");
  await expect(page.getByTestId("inspector-problems")).toContainText("std.constant's extra args: needs at least 1 item, got 0");
  await expect(page.locator(".field-error")).toContainText("needs at least 1 item, got 0");
  await shot("p3-01-constant-without-value");
  await page.getByTestId("inspector-extra-args").fill("[21]");
  await page.getByTestId("inspector-extra-args").blur();
  await expect(page.getByTestId("problem-count")).toHaveText(/valid/);
});

test("shows a function given the wrong number of inputs, live, naming its inputs", async () => {
  await dropFunction("std.identity", 520, 200);
  await expect(node("identity")).toBeVisible();
  await connectPorts(page, "constant", "identity", "in-0");
  await expect(page.getByTestId("problem-count")).toHaveText(/valid/);
  // std.identity has no free port for a second input: such a file arrives by import.
  const file = { format: "handoff.dag", version: 1, name: DAG_NAME, tasks: [{ id: "one", fn: "std.constant", extraArgs: [1], position: { x: 0, y: 0 } }, { id: "twice", fn: "std.identity", args: ["one", "one"], position: { x: 300, y: 0 } }] };
  // Importing over unsaved work asks first.
  await answeringDialog("confirm", true, () => page.getByTestId("import-input").setInputFiles({ name: "twice.dag.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(file)) }));
  await expect(node("twice")).toBeVisible();
  await expect(page.getByTestId("problem-count")).toHaveText(/1 problem/);
  await expect(node("twice")).toHaveAttribute("data-problems", "1");
  await node("twice").click();
  await expect(page.getByTestId("inspector-problems")).toContainText('task "twice": std.identity takes 1 input (value), got 2');
  await shot("p3-02-wrong-arity");
});

test("the API refuses the same DAG before anything runs, as invalid_task naming task and field", async () => {
  const file = { format: "handoff.dag", version: 1, name: `${DAG_NAME}-api`, tasks: [{ id: "empty", fn: "std.constant" }, { id: "one", fn: "std.constant", extraArgs: [1] }, { id: "twice", fn: "std.identity", args: ["one", "one"] }] };
  const response = await api("runs.start", { dag: { file } });
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { data: { problems: unknown[] } } };
  expect(body.error.data.problems).toEqual([
    { kind: "invalid_task", taskId: "empty", field: "extraArgs", message: 'task "empty": std.constant\'s extra args: needs at least 1 item, got 0' },
    { kind: "invalid_task", taskId: "twice", field: "args", message: 'task "twice": std.identity takes 1 input (value), got 2' },
  ]);
  // Run… from the editor shows the same refusal.
  await page.getByTestId("run").click();
  await page.getByTestId("run-start").click();
  await expect(page.getByText("std.identity takes 1 input (value), got 2").last()).toBeVisible();
  await shot("p3-03-run-refused");
  await page.getByRole("button", { name: "Cancel" }).click();
});

test("Ctrl+S saves the DAG", async () => {
  // Fix the call, then save with the keyboard, from inside a field.
  await node("twice").click();
  await page.getByRole("button", { name: "remove input 1" }).click();
  await expect(page.getByTestId("problem-count")).toHaveText(/valid/);
  await expect(page.getByTestId("save-state")).toHaveText("not saved");
  await page.getByTestId("inspector-id").focus();
  await page.keyboard.press("Control+s");
  await expect(page.getByTestId("save-state")).toHaveText("v1");
  await expect(page.getByTestId("canvas-notice")).toContainText(`Saved ${DAG_NAME} v1`);
  await shot("p3-04-saved-with-ctrl-s");
});

test("warns before leaving the editor with unsaved changes, and stays when told to", async () => {
  await node("twice").click();
  await page.getByTestId("inspector-extra-args").fill("[\"unsaved\"]");
  await page.getByTestId("inspector-extra-args").blur();
  await expect(page.getByTestId("save-state")).toHaveText("v1 · modified");
  const message = await answeringDialog("confirm", false, () => page.getByRole("link", { name: "Runs" }).click());
  expect(message).toContain("unsaved changes");
  await expect(page).toHaveURL(/\/editor/);
  await expect(page.getByTestId("save-state")).toHaveText("v1 · modified");
  // Reloading asks the browser's own question.
  await answeringDialog("beforeunload", false, () => page.evaluate(() => window.location.reload()).catch(() => undefined));
  await expect(page.getByTestId("save-state")).toHaveText("v1 · modified");
});

test("keeps a draft in the browser and restores it after a reload", async () => {
  await page.waitForTimeout(800); // the draft is written half a second after the last edit
  await answeringDialog("beforeunload", true, () => page.reload());
  await expect(page.getByTestId("draft-banner")).toContainText(`Restored unsaved changes`);
  await expect(page.getByTestId("draft-banner")).toContainText("edited from v1");
  await expect(page.getByTestId("save-state")).toHaveText("v1 · modified");
  await node("twice").click();
  await expect(page.getByTestId("inspector-extra-args")).toHaveValue('["unsaved"]');
  await shot("p3-05-draft-restored");
  // Discarding the draft goes back to the saved version, and nothing is restored next time.
  await page.getByTestId("draft-discard").click();
  await expect(page.getByTestId("save-state")).toHaveText("v1");
  await page.reload();
  await expect(node("twice")).toBeVisible();
  await expect(page.getByTestId("draft-banner")).toHaveCount(0);
  await expect(page.getByTestId("save-state")).toHaveText("v1");
});

test("leaving without a prompt once everything is saved", async () => {
  await page.getByRole("link", { name: "Runs" }).click();
  await expect(page).toHaveURL(/\/runs/);
});

test("edits extra args in a form generated from the params schema, the JSON staying as an advanced view", async () => {
  await page.goto(`${stack.url}/editor?dag=${encodeURIComponent(DAG_NAME)}`);
  await expect(node("twice")).toBeVisible();
  await dropFunction("std.sleep", 700, 500);
  await expect(node("sleep")).toBeVisible();
  await expect(page.getByTestId("params-form")).toContainText("ms *");
  await expect(page.getByTestId("params-form")).toContainText("milliseconds to wait");
  await expect(page.getByTestId("inspector-problems")).toContainText("std.sleep's extra args: needs at least 1 item, got 0");
  await page.getByTestId("param-0").fill("soon");
  await page.getByTestId("param-0").press("Enter");
  await expect(page.getByTestId("params-form")).toContainText("not a number");
  await page.getByTestId("param-0").fill("250");
  await page.getByTestId("param-0").press("Enter");
  await page.getByTestId("param-1").fill("done");
  await page.getByTestId("param-1").blur();
  await expect(page.getByTestId("inspector-extra-args")).toHaveValue('[250,"done"]');
  await expect(page.getByTestId("problem-count")).toHaveText(/valid/);
  await shot("p3-06-params-form");
  await page.keyboard.press("Control+s");
  await expect(page.getByTestId("save-state")).toHaveText("v2");
});

test("every run leads back to an editable DAG: its saved version, or its file as a new DAG", async () => {
  // A run of a saved version opens that version.
  const saved = await api("runs.start", { dag: { name: DAG_NAME, version: 2 } });
  expect(saved.status, await saved.clone().text()).toBe(200);
  const savedRun = ((await saved.json()) as { result: { data: { runId: string } } }).result.data.runId;
  await page.goto(`${stack.url}/runs/${encodeURIComponent(savedRun)}`);
  await page.getByTestId("open-in-editor").click();
  await expect(page).toHaveURL(/\/editor\?run=/);
  await expect(node("sleep")).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("v2");
  // A run of a file never saved opens that file, unsaved.
  const file = { format: "handoff.dag", version: 1, name: `${DAG_NAME}-unsaved`, tasks: [{ id: "only", fn: "std.constant", extraArgs: [7], position: { x: 0, y: 0 } }] };
  const unsaved = await api("runs.start", { dag: { file } });
  expect(unsaved.status, await unsaved.clone().text()).toBe(200);
  const unsavedRun = ((await unsaved.json()) as { result: { data: { runId: string } } }).result.data.runId;
  await page.goto(`${stack.url}/runs/${encodeURIComponent(unsavedRun)}`);
  await page.getByTestId("open-in-editor").click();
  await expect(node("only")).toBeVisible();
  await expect(page.getByTestId("save-state")).toHaveText("not saved");
  await expect(page.getByTestId("canvas-notice")).toContainText("never saved");
  await shot("p3-07-run-opened-in-editor");
});
