import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { callApi, dagFile, screenshot, startRun } from "./page-helpers.ts";
import { requireChromium, signIn, startE2eStack, type Stack } from "./stack.ts";

requireChromium();

// Issue #17 §5 in the real dashboard: the secrets page and the run view never hold a secret's value.
test.describe.configure({ mode: "serial" });

const VALUE = `pw-${Date.now().toString(36)}-e2e-value`;

function secretFunctions(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "handoff-e2e-secret-fns-")), "secret-functions.mjs");
  writeFileSync(
    file,
    `import { defineFunction } from "@handoff/sdk";
export const dsn = defineFunction({ name: "s.dsn", run: (password) => { console.log("using " + password); return "pg://etl:" + password + "@db"; } });
export const fail = defineFunction({ name: "s.fail", run: (password) => { throw new Error("refused " + password); } });
`,
  );
  return file;
}

let stack: Stack;
let page: Page;

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack({ agents: [{ name: "alpha", capacity: { slots: 2 }, functions: [secretFunctions()] }] });
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

test("an admin creates a secret; the page lists its name and size, never its value", async () => {
  await signIn(page, stack, "/runs");
  await page.getByRole("link", { name: "Secrets" }).click();
  await expect(page).toHaveURL(/\/secrets$/);
  await page.getByTestId("secret-name").fill("warehouse");
  await page.getByTestId("secret-value").fill(VALUE);
  await page.getByTestId("secret-save").click();
  await expect(page.getByTestId("secret-saved")).toContainText("warehouse");
  await expect(page.getByTestId("secret-row-warehouse")).toContainText(`${VALUE.length} bytes`);
  await expect(page.getByTestId("secret-value")).toHaveValue("");
  await page.reload();
  await expect(page.getByTestId("secret-row-warehouse")).toBeVisible();
  expect(await page.content()).not.toContain(VALUE);
  await screenshot(page, "secrets-page");
});

test("the run view of a run that used it shows what happened, without the value", async () => {
  const runId = await startRun(
    stack,
    dagFile("uses-secret", [
      { id: "dsn", fn: "s.dsn", extraArgs: [{ secret: "warehouse" }] },
      { id: "fail", fn: "s.fail", extraArgs: [{ secret: "warehouse" }], maxRetries: 0 },
    ]),
    { onFailure: "continue" },
  );
  await expect.poll(async () => (await callApi<{ status: string }>(stack, "runs.get", { runId })).status, { timeout: 60_000 }).toBe("failed");
  await page.goto(`${stack.url}/runs/${encodeURIComponent(runId)}`);
  await expect(page.getByText("refused [secret]").first()).toBeVisible({ timeout: 30_000 });
  expect(await page.content()).not.toContain(VALUE);
  await screenshot(page, "secrets-run-view");

  // Deleted afterwards: opening the run in the editor shows its reference as unknown.
  await callApi(stack, "secrets.delete", { name: "warehouse" });
  await page.goto(`${stack.url}/editor?run=${encodeURIComponent(runId)}`);
  await expect(page.getByText(/unknown secret "warehouse"/).first()).toBeVisible({ timeout: 30_000 });
  expect(await page.content()).not.toContain(VALUE);
  await screenshot(page, "secrets-unknown-in-editor");
});
