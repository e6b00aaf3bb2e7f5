import { expect, test, type Page } from "@playwright/test";
import { startStack, type Stack } from "@handoff/cli/testing";
import { screenshot } from "./page-helpers.ts";
import { requireChromium, signIn } from "./stack.ts";

requireChromium();

// Issue #18 §2: the cluster page stays usable with 200 machines — grouped, filtered, a page of cards, and load
// history fetched for the machines on screen only, incrementally (sinceMs), with the cluster's sums in one series.
test.describe.configure({ mode: "serial" });

const EAST = 150;
const WEST = 50;
const names = (prefix: string, count: number) => Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}`);
let stack: Stack;
let page: Page;
type HistoryAnswer = { machines: { name: string; samples: unknown[] }[]; cluster?: unknown[] };
// Another procedure in the same batch may answer a `machines` list too (without samples): only history has samples.
const isHistoryAnswer = (data: unknown): data is HistoryAnswer => {
  const machines = typeof data === "object" && data !== null ? (data as { machines?: unknown }).machines : undefined;
  return Array.isArray(machines) && machines.every((entry) => Array.isArray((entry as { samples?: unknown } | null)?.samples));
};
const answers: { names: number; samples: number[]; cluster: number | undefined; bytes: number }[] = [];

test.beforeAll(async ({ browser }) => {
  test.setTimeout(300_000);
  stack = await startStack({ web: true });
  await stack.launchAgent({ name: "east", extraArgs: ["--simulate", String(EAST)] });
  await stack.launchAgent({ name: "west", extraArgs: ["--simulate", String(WEST)] });
  await stack.waitForMachines([...names("east", EAST), ...names("west", WEST)]);
  page = await browser.newPage();
  page.on("response", async (response) => {
    if (!response.url().includes("machines.history")) return;
    const body = await response.text().catch(() => "");
    // The batch link may carry other procedures in the same request: keep the history answers.
    const parsed = JSON.parse(body || "[]") as { result?: { data: unknown } }[];
    for (const item of Array.isArray(parsed) ? parsed : [parsed]) {
      const data = item.result?.data;
      if (isHistoryAnswer(data)) answers.push({ names: data.machines.length, samples: data.machines.map((entry) => entry.samples.length), cluster: data.cluster?.length, bytes: body.length });
    }
  });
  await signIn(page, stack, "/cluster");
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

test("200 machines: a summary, a page of cards per group, and the rest one click away", async () => {
  await expect(page.getByTestId("cluster-summary")).toContainText(`${EAST + WEST} of ${EAST + WEST} machines online`);
  const online = page.getByTestId("machine-group-online");
  await expect(online.locator('[data-testid^="machine-"][class~="panel"]')).toHaveCount(24);
  await expect(page.getByTestId("show-all-online")).toHaveText(`Show all ${EAST + WEST} (${EAST + WEST - 24} more)`);
  await expect(page.getByTestId("cluster-load").getByTestId("load-charts")).toBeVisible({ timeout: 60_000 });
  await screenshot(page, "p18-01-cluster-200");
});

test("filters by name, label or function, and groups by a label", async () => {
  await page.getByTestId("machine-filter").fill("simulator=west");
  await expect(page.getByTestId("machine-matching")).toHaveText(`${WEST} of ${EAST + WEST} shown`);
  await page.getByTestId("machine-filter").fill("west-17");
  await expect(page.getByTestId("machine-matching")).toHaveText(/^\d+ of 200 shown$/);
  await expect(page.getByTestId("machine-west-17")).toBeVisible();
  await page.getByTestId("machine-filter").fill("");
  await page.getByTestId("machine-group-by").selectOption("label:simulator");
  await expect(page.getByTestId("machine-group-east")).toContainText(`simulator=east (${EAST})`);
  await expect(page.getByTestId("machine-group-west")).toContainText(`simulator=west (${WEST})`);
  await page.getByTestId("machine-status-filter").selectOption("offline");
  await expect(page.getByTestId("machine-matching")).toHaveText(`0 of ${EAST + WEST} shown`);
  await page.getByTestId("machine-status-filter").selectOption("all");
  await screenshot(page, "p18-02-cluster-grouped");
});

test("polls load history for the cards on screen only, and only what is new", async () => {
  const before = answers.length;
  await expect.poll(() => answers.length - before, { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
  const later = answers.slice(before + 2);
  const perMachine = later.filter((answer) => answer.names > 0);
  expect(perMachine.length).toBeGreaterThan(0);
  // Two groups of 24 cards on screen: never all 200 machines, and a few samples each since the last poll.
  for (const answer of perMachine) {
    expect(answer.names).toBeLessThanOrEqual(48);
    expect(Math.max(...answer.samples)).toBeLessThanOrEqual(5);
  }
  const cluster = later.filter((answer) => answer.cluster !== undefined);
  expect(cluster.length).toBeGreaterThan(0);
  for (const answer of cluster) expect(answer.cluster).toBeLessThanOrEqual(5);
  console.log(`history polls after the first: ${later.map((answer) => `${answer.names} machines/${answer.bytes} B`).join(", ")}`);
});
