import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";

import { expect, test, type Page } from "@playwright/test";
import { exampleFunctionModules, gateFunctionModule, startStack, type AgentSpec } from "@handoff/cli/testing";

/** What the specs use of the stack. */
export interface Stack {
  readonly url: string;
  readonly adminToken: string;
  stop(): Promise<void>;
}

/** The two machines of §5: different capacities, so placement and infeasible costs are visible. */
export const AGENTS = [
  { name: "alpha", capacity: { cpu: 4, memory: 8000, slots: 4 } },
  { name: "beta", capacity: { cpu: 1, memory: 2000, slots: 2 } },
] as const;

export { gateFile } from "@handoff/cli/testing";

export const SCREENSHOTS = path.join(import.meta.dirname, "..", "test-results", "screens");

/**
 * Starts the real stack (server, two agent processes, the built dashboard on the server's origin) through
 * `@handoff/cli/testing`. `HANDOFF_E2E_URL` + `HANDOFF_E2E_ADMIN_TOKEN` point
 * the specs at a stack that is already running instead (debugging).
 */
export async function startE2eStack(options: { readonly withExamples?: boolean; readonly withGates?: boolean; readonly agents?: readonly AgentSpec[] } = {}): Promise<Stack> {
  const url = process.env.HANDOFF_E2E_URL;
  const adminToken = process.env.HANDOFF_E2E_ADMIN_TOKEN;
  if (url !== undefined && adminToken !== undefined) return { url, adminToken, stop: async () => undefined };
  if (!existsSync(path.join(import.meta.dirname, "..", ".next", "BUILD_ID"))) {
    throw new Error("the dashboard is not built: run `pnpm --filter @handoff/web build` before the browser tests");
  }
  // With the examples' functions (as `npm start`'s local agent has them), the example DAGs run as they are.
  // `withGates` adds `e2e.gate` (@handoff/cli/testing's gate-functions.ts): a task that ends when the spec says so.
  const functions = [...(options.withExamples === true ? exampleFunctionModules() : []), ...(options.withGates === true ? [gateFunctionModule()] : [])];
  const agents = options.agents ?? (functions.length > 0 ? AGENTS.map((agent) => ({ ...agent, functions })) : AGENTS);
  // The server's warnings and errors go to a file beside the screenshots: a failure in CI leaves its server's side.
  const logFile = path.join(import.meta.dirname, "..", "test-results", "server-logs", `${path.basename(test.info().file, ".spec.ts")}-${Date.now()}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  return startStack({ agents, web: true, serverOutput: (text) => appendFileSync(logFile, text) });
}

/** Signs the page in as a person does: the login form, with the admin token typed in (never in a URL). */
export async function signIn(page: Page, stack: Stack, next = "/runs"): Promise<void> {
  await page.goto(`${stack.url}/login?next=${encodeURIComponent(next)}`);
  await page.fill('input[name="token"]', stack.adminToken);
  await page.getByRole("button", { name: "Sign in" }).click();
  // `next` may carry a query (`/triggers?dag=…`): every regular-expression character is escaped.
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`));
  // The editor answers its inputs once hydrated; its palette fills only then (a file set into the import input
  // before that was lost once: the page stayed on an empty DAG).
  if (next.startsWith("/editor")) await expect(page.locator('[data-testid^="palette-std."]').first()).toBeVisible();
}

/** A one-time sign-in link (`/login?code=…`), as `handoff start` prints it, minted through the API. */
export async function signInLink(stack: Stack): Promise<string> {
  const response = await fetch(`${stack.url}/api/trpc/auth.signInLink`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: "{}",
  });
  const body = (await response.json()) as { result?: { data: { url: string } } };
  if (!body.result) throw new Error(`auth.signInLink answered ${response.status}: ${JSON.stringify(body)}`);
  return body.result.data.url;
}

/**
 * Skips the calling spec when Debian's Chromium is missing, loudly; with HANDOFF_REQUIRE_CHROMIUM=1 (CI) a missing
 * browser fails instead. Every spec calls this once at its top.
 */
export function requireChromium(): void {
  const chromium = process.env.HANDOFF_CHROMIUM_PATH ?? "/usr/bin/chromium";
  const present = existsSync(chromium);
  if (!present) {
    if (process.env.HANDOFF_REQUIRE_CHROMIUM === "1") throw new Error(`Chromium is required (HANDOFF_REQUIRE_CHROMIUM=1) but ${chromium} does not exist: apt-get install -y chromium fonts-liberation`);
    console.warn(`SKIPPING the dashboard browser tests: no Chromium at ${chromium} (apt-get install -y chromium fonts-liberation)`);
  }
  test.skip(!present, `no Chromium at ${chromium}`);
}
