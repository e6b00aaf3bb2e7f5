import { expect, test, type Page } from "@playwright/test";
import path from "node:path";
import { SCREENSHOTS, signInLink, startE2eStack, type Stack, requireChromium } from "./stack.ts";

requireChromium();

// Issue #10 §4/§7 and #11 §4 in the real dashboard: no token in URLs, the one-time sign-in link, the audit page.
test.describe.configure({ mode: "serial" });

let stack: Stack;
let page: Page;

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack();
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

const me = () => page.request.get(`${stack.url}/api/trpc/auth.me`);

test("a /login?token= link signs nobody in", async () => {
  await page.goto(`${stack.url}/login?token=${encodeURIComponent(stack.adminToken)}&next=%2Fcluster`);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  // Give a page that would sign in by itself the time to do it.
  await page.waitForLoadState("networkidle");
  await expect(page).toHaveURL(/\/login\?/);
  expect((await me()).status()).toBe(401);
});

test("the one-time sign-in link signs in, and works only once", async () => {
  const link = await signInLink(stack);
  expect(link).toMatch(/\/login\?code=/);
  await page.goto(`${link}&next=%2Fcluster`);
  await expect(page).toHaveURL(/\/cluster$/);
  await expect(page.getByTestId("machine-alpha")).toBeVisible();
  expect((await me()).status()).toBe(200);

  const other = await page.context().browser()!.newPage();
  await other.goto(`${link}&next=%2Fcluster`);
  await expect(other.getByTestId("login-error")).toContainText(/used or expired/);
  await other.close();
});

test("admins see the audit trail: their sign-in, from where", async () => {
  await page.getByRole("link", { name: "Audit" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  const row = page.getByTestId("audit-row-auth.signed_in").first();
  await expect(row).toContainText("bootstrap admin");
  await expect(row).toContainText("127.0.0.1");
  await expect(row).toContainText('"method":"code"');
  await page.screenshot({ path: path.join(SCREENSHOTS, "sessions-audit.png") });
});

test("join tokens made from the dashboard expire after 24 hours by default", async () => {
  await page.getByRole("link", { name: "Tokens" }).click();
  await page.getByTestId("token-kind").selectOption("join");
  await expect(page.getByTestId("token-expiry")).toHaveValue("24");
  await page.getByTestId("token-name").fill("laptop join");
  await page.getByTestId("token-create-submit").click();
  await expect(page.getByTestId("token-secret")).toBeVisible();
  await expect(page.getByTestId("token-row-laptop join").getByTestId("token-expires")).not.toHaveText("never");
});

test("signing out ends the session on the server", async () => {
  const cookie = (await page.context().cookies()).find((entry) => entry.name === "handoff_session");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.value).not.toContain(stack.adminToken);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  const replayed = await fetch(`${stack.url}/api/trpc/auth.me`, { headers: { cookie: `handoff_session=${cookie!.value}` } });
  expect(replayed.status).toBe(401);
});
