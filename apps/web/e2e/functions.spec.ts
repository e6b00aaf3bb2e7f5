import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { dagFile, screenshot, startRun } from "./page-helpers.ts";
import { requireChromium, signIn, startE2eStack, type Stack } from "./stack.ts";

requireChromium();

// Issue #17 §2 in the real dashboard: an admin uploads a function bundle on the cluster page; the Functions panel shows
// which machine offers which version, and flags a machine with other code under the same name.
test.describe.configure({ mode: "serial" });

const repo = path.join(import.meta.dirname, "..", "..", "..");
const cliMain = path.join(repo, "apps", "cli", "src", "main.ts");
const tsx = createRequire(path.join(repo, "apps", "cli", "package.json")).resolve("tsx");

/** A module with a helper, bundled by `handoff functions bundle` into the file the dashboard takes. */
async function bundleFile(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "handoff-e2e-fns-"));
  writeFileSync(path.join(dir, "helper.ts"), "export const shout = (text: string): string => `${text.toUpperCase()}!`;\n");
  writeFileSync(path.join(dir, "fns.ts"), 'import { defineFunction } from "@handoff/sdk";\nimport { shout } from "./helper.ts";\nexport const f = defineFunction({ name: "text.shout", run: (text: string) => shout(text) });\n');
  const out = path.join(dir, "fns.bundle.json");
  const child = spawn(process.execPath, ["--import", tsx, cliMain, "functions", "bundle", path.join(dir, "fns.ts"), "--out", out], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`handoff functions bundle exited ${code}: ${stderr}`);
  return out;
}

/** The same name from the other machine's own disk, with other code. */
function localModule(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "handoff-e2e-local-")), "local.mjs");
  writeFileSync(file, 'import { defineFunction } from "@handoff/sdk";\nexport const f = defineFunction({ name: "text.shout", run: (text) => text + "?" });\n');
  return file;
}

let stack: Stack;
let page: Page;

/** A tRPC query with the admin token (GET), answering its data. */
async function query<T>(procedure: string, input?: unknown): Promise<T> {
  const search = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const response = await fetch(`${stack.url}/api/trpc/${procedure}${search}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${procedure} answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { result: { data: T } }).result.data;
}

test.beforeAll(async ({ browser }) => {
  stack = await startE2eStack({
    agents: [
      { name: "fetcher", capacity: { slots: 2 }, extraArgs: ["--fetch-functions"] },
      { name: "plain", capacity: { slots: 2 }, functions: [localModule()] },
    ],
  });
  page = await browser.newPage();
});

test.afterAll(async () => {
  await page?.close();
  await stack?.stop();
});

test("an admin uploads a bundle; the Functions panel shows who offers which version and flags other code", async () => {
  const file = await bundleFile();
  await signIn(page, stack, "/cluster");
  const panel = page.getByTestId("functions-panel");
  await expect(panel).toBeVisible();
  // Before the push: only the plain machine's own code, and the fetching machine without it.
  await expect(page.getByTestId("cell-text.shout-plain")).toHaveAttribute("data-state", "current");
  await expect(page.getByTestId("cell-text.shout-fetcher")).toHaveAttribute("data-state", "missing");

  await page.getByTestId("bundle-upload").setInputFiles(file);
  await expect(page.getByTestId("bundle-pushed")).toContainText("text.shout");
  // Pushed: the fetching machine will load it on use; the plain machine's own code is now "other code".
  await expect(page.getByTestId("cell-text.shout-fetcher")).toHaveAttribute("data-state", "fetchable");
  await expect(page.getByTestId("cell-text.shout-plain")).toHaveAttribute("data-state", "other");
  await expect(page.getByTestId("mismatch-text.shout")).toBeVisible();

  // A run that calls it, pinned to the fetching machine: it loads exactly the pushed version.
  const runId = await startRun(stack, dagFile("shout", [{ id: "in", fn: "std.constant", extraArgs: ["hi"] }, { id: "s", fn: "text.shout", args: ["in"], placement: { kind: "pinned", machine: "fetcher" } }]));
  await expect.poll(async () => (await query<{ status: string }>("runs.get", { runId })).status, { timeout: 60_000 }).toBe("succeeded");
  const versions = await query<{ functions: { name: string; shipped: { codeHash: string } | null }[] }>("functions.versions");
  const shipped = versions.functions.find((fn) => fn.name === "text.shout")?.shipped?.codeHash ?? "";
  await expect(page.getByTestId("cell-text.shout-fetcher")).toHaveAttribute("data-state", "current", { timeout: 15_000 });
  await expect(page.getByTestId("cell-text.shout-fetcher")).toHaveText(shipped.slice(0, 12));
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, "cluster-functions");

  // The run's task panel names the code that ran.
  await page.goto(`${stack.url}/runs/${encodeURIComponent(runId)}`);
  await page.getByTestId("task-node-s").click();
  await expect(page.getByTestId("task-panel")).toBeVisible();
  await expect(page.getByTestId("task-code-hash")).toHaveText(shipped.slice(0, 12));
});

test("a file that is not a bundle is refused, naming the file", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "handoff-e2e-bad-"));
  const bad = path.join(dir, "notes.json");
  writeFileSync(bad, '{"hello": 1}');
  await page.goto(`${stack.url}/cluster`);
  await page.getByTestId("bundle-upload").setInputFiles(bad);
  await expect(page.getByTestId("functions-panel")).toContainText("notes.json: a bundle file has source, code and catalogue");
});
