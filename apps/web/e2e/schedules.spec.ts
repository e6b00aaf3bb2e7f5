import { createHmac } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { callApi, dagFile, screenshot } from "./page-helpers.ts";
import { requireChromium, signIn, startE2eStack, type Stack } from "./stack.ts";

requireChromium();

// Issue #17 §3 in the real dashboard: a saved DAG's schedules and webhooks, their history linking to the runs they
// started, and the run saying which trigger started it.
test.describe.configure({ mode: "serial" });

const NAME = `e2e-triggers-${Date.now().toString(36)}`;
let stack: Stack;
let page: Page;

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack();
  page = await browser.newPage();
  await callApi(stack, "dags.save", { file: dagFile(NAME, [{ id: "one", fn: "std.constant", extraArgs: [1] }]) });
  await signIn(page, stack, `/triggers?dag=${encodeURIComponent(NAME)}`);
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

test("an admin adds a schedule; a bad cron is refused by name; the schedule fires and its history links to the run", async () => {
  await expect(page.getByTestId("schedules-section")).toBeVisible();
  await page.getByTestId("schedule-cron").fill("61 * * * *");
  await page.getByTestId("schedule-save").click();
  await expect(page.getByTestId("schedule-error")).toContainText("cron:");
  await page.getByTestId("schedule-cron").fill("* * * * * *");
  await page.getByTestId("schedule-tz").fill("Europe/Berlin");
  await page.getByTestId("schedule-save").click();
  await expect(page.getByTestId("schedule-row")).toHaveCount(1);
  await expect(page.getByTestId("schedule-row")).toContainText("Europe/Berlin");
  await page.getByTestId("schedule-history-toggle").click();
  await expect(page.getByTestId("schedule-history-run").first()).toBeVisible({ timeout: 30_000 });
  await page.getByTestId("schedule-enable").click();
  await expect(page.getByTestId("schedule-next")).toHaveText("disabled");
  await screenshot(page, "triggers-schedules");
  await page.getByTestId("schedule-history-run").first().click();
  await expect(page.getByTestId("run-origin")).toContainText("started by a schedule", { timeout: 30_000 });
  await screenshot(page, "triggers-run-origin");
});

test("an admin adds a signed webhook: its URL and key are shown once; a signed POST starts a run shown in its history", async () => {
  await page.goto(`${stack.url}/triggers?dag=${encodeURIComponent(NAME)}`);
  await page.getByTestId("webhook-name").fill("deploys");
  await page.getByTestId("webhook-create").click();
  const url = (await page.getByTestId("webhook-url").textContent()) ?? "";
  const key = (await page.getByTestId("webhook-key").textContent()) ?? "";
  expect(url).toMatch(/\/hooks\/[A-Za-z0-9_-]{43}$/);
  const body = "{}";
  const answer = await fetch(url, { method: "POST", body, headers: { "X-Handoff-Signature": `sha256=${createHmac("sha256", key).update(body).digest("hex")}` } });
  expect(answer.status).toBe(202);
  await page.getByTestId("webhook-history-toggle").click();
  await expect(page.getByTestId("webhook-history-row").first()).toContainText("202 started", { timeout: 30_000 });
  await screenshot(page, "triggers-webhooks");
  await page.reload();
  await expect(page.getByTestId("webhook-row")).toHaveCount(1);
  expect(await page.content()).not.toContain(key);
  expect(await page.content()).not.toContain(url.split("/hooks/")[1]!);
});
