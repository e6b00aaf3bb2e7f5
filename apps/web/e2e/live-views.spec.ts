import { expect, test, type Page } from "@playwright/test";
import { callApi, dagFile, screenshot, startRun } from "./page-helpers.ts";
import { gateFile, requireChromium, signIn, startE2eStack, type Stack } from "./stack.ts";

requireChromium();

// Issue #14 §4: live views that never go stale or look broken.
test.describe.configure({ mode: "serial" });

const SUFFIX = Date.now().toString(36);
let stack: Stack;
let page: Page;
let wordCountRun = "";

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack({ withExamples: true, withGates: true });
  page = await browser.newPage();
  await signIn(page, stack, "/runs");
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

const node = (taskId: string) => page.getByTestId(`task-node-${taskId}`);

test("the task panel follows a task from running to succeeded without a reload, and the header's duration is the timeline's", async () => {
  const gate = gateFile("nap");
  const runId = await startRun(stack, dagFile(`e2e-nap-${SUFFIX}`, [{ id: "nap", fn: "e2e.gate", extraArgs: [gate.path, "rested"] }]));
  await page.goto(`${stack.url}/runs/${encodeURIComponent(runId)}`);
  await node("nap").click();
  await expect(page.getByTestId("task-attempts")).toContainText("running");
  await screenshot(page, "p4-01-attempt-running");
  gate.open();
  await expect(node("nap")).toHaveAttribute("data-state", "succeeded");
  // Polling stopped at the task's end before it could see the attempt end: the panel then said "running" until a reload.
  await expect(page.getByTestId("task-attempts").locator("tbody tr")).toHaveCount(1);
  await expect(page.getByTestId("task-attempts").locator("tbody tr").first()).toContainText("succeeded");
  await expect(page.getByTestId("task-attempts")).not.toContainText("running");
  await screenshot(page, "p4-02-attempt-succeeded-live");
  // Watched live to its end: the header froze a second short of the timeline (11 s against 12 s).
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
  await page.getByTestId("tab-timeline").click();
  await expect(page.getByTestId("timeline-duration")).toBeVisible();
  const timeline = (await page.getByTestId("timeline-duration").textContent()) ?? "";
  // A finished run has a figure, in ms under a second (a quick gate) or in s.
  expect(timeline).toMatch(/^\d+(\.\d)? m?s$/);
  await expect(page.getByTestId("run-duration")).toHaveText(timeline);
  await screenshot(page, "p4-03-one-duration");
});

test("inline tasks are inline in the editor: evaluated in their consumers, not 'no machine' in red", async () => {
  await page.goto(`${stack.url}/editor`);
  // The palette is filled once the page is hydrated: a choice made before would be lost.
  await expect(page.getByTestId("palette-std.constant")).toBeVisible();
  await page.getByTestId("open-dag").selectOption({ label: "word-count" });
  await expect(node("words0")).toBeVisible();
  const chip = page.getByTestId("placement-words0");
  await expect(chip).toHaveAttribute("data-tone", "inline");
  await expect(chip).toHaveText("inline · in its consumers");
  await expect(chip).not.toContainText("no machine");
  await expect(page.getByTestId("placement-count0")).toHaveAttribute("data-tone", "machine");
  await screenshot(page, "p4-04-inline-in-editor");
});

test("in a run, inline tasks take their consumers' state and show their consumers' attempts", async () => {
  await page.getByTestId("run").click();
  await page.getByTestId("run-start").click();
  await expect(page).toHaveURL(/\/runs\/[^/]+$/);
  wordCountRun = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded");
  // "waiting for dependencies 0 of 4" forever, before.
  for (const [inline, consumer] of [["words0", "count0"], ["words1", "count1"], ["words2", "count2"]] as const) {
    await expect(node(inline)).toHaveAttribute("data-state", "succeeded");
    await expect(node(inline)).toContainText(`inline · in ${consumer}`);
  }
  const header = page.getByTestId("run-header");
  await expect(header.getByTestId("inline-count")).toHaveText("+3 inline");
  await expect(header.locator('[data-state="waiting_for_dependencies"]')).toHaveCount(0);
  await expect(header.locator('[data-state="succeeded"]')).toHaveText("7");
  await node("words1").click();
  await expect(page.getByTestId("inline-badge")).toBeVisible();
  await expect(page.getByTestId("inline-explanation")).toContainText("evaluated inside its consumer");
  const consumer = page.getByTestId("inline-consumer-count1");
  await expect(consumer.locator("tbody tr")).toHaveCount(1);
  await expect(consumer.locator("tbody tr").first()).toContainText("succeeded");
  await expect(consumer.locator("tbody tr").first()).toContainText(/alpha|beta/);
  await screenshot(page, "p4-05-inline-in-run");
});

test("the runs list's Tasks column counts each run's tasks by state, inline ones apart", async () => {
  await page.goto(`${stack.url}/runs`);
  const row = page.getByTestId(`run-row-${wordCountRun}`);
  await expect(row.getByTestId("task-counts")).toBeVisible();
  await expect(row.locator('[data-state="succeeded"]')).toHaveText("7");
  await expect(row.getByTestId("inline-count")).toHaveText("+3 inline");
  await expect(page.getByTestId("runs-table").getByTestId("task-counts")).toHaveCount(2); // the nap and the word count
  await screenshot(page, "p4-06-runs-list-counts");
});

test("a failure says its kind once", async () => {
  const runId = await startRun(stack, dagFile(`e2e-fail-${SUFFIX}`, [
    { id: "bad", fn: "std.fail", extraArgs: ["boom"], maxRetries: 0 },
    { id: "slow", fn: "std.sleep", extraArgs: [60_000] },
  ]));
  await page.goto(`${stack.url}/runs/${encodeURIComponent(runId)}`);
  await expect(page.getByTestId("run-status")).toHaveText("failed");
  const slow = page.getByTestId("run-failure-slow");
  await expect(slow).toHaveText(/^cancelled: \S/);
  expect(((await slow.textContent()) ?? "").match(/cancelled:/g)).toHaveLength(1);
  await expect(page.getByTestId("run-failure-bad")).toHaveText(/^function_failed: task "bad"/);
  await node("slow").click();
  const error = page.getByTestId("task-error");
  await expect(error).toHaveText(/^cancelled: \S/);
  expect(((await error.textContent()) ?? "").match(/cancelled:/g)).toHaveLength(1);
  await screenshot(page, "p4-07-failure-once");
});

test("a machine card shows one CPU figure, labelled, and charts with a time axis and units", async () => {
  const machines = await callApi<{ name: string }[]>(stack, "machines.list", {});
  expect(machines.map((machine) => machine.name).sort()).toEqual(["alpha", "beta"]);
  await page.goto(`${stack.url}/cluster`);
  const card = page.getByTestId("machine-alpha");
  const cpu = card.getByTestId("load-cpu-measured");
  await expect(cpu).toBeVisible();
  await expect(cpu.locator(".spark-head")).toContainText("machine CPU");
  await expect(cpu.locator(".spark-head")).toHaveText(/\d+ %$/);
  // The card's list said another CPU figure beside the chart's.
  const listed = await card.locator("dl.kv dt").allTextContents();
  expect(listed).not.toContain("CPU");
  expect(listed).not.toContain("memory");
  await expect(card.locator(".spark-head").filter({ hasText: /%/ })).toHaveCount(1);
  await expect(card.getByTestId("load-memory-measured-scale")).toHaveText(/^\d+ MB$/);
  await expect(card.getByTestId("load-memory-measured").locator(".spark-head")).toHaveText(/\d+ MB \/ \d+ MB$/);
  const axis = card.getByTestId("load-cpu-measured-axis");
  await expect(axis).toContainText("now");
  await expect(axis).toContainText(/−\d+(\.\d)? (s|min)/);
  await screenshot(page, "p4-08-machine-card");
});
