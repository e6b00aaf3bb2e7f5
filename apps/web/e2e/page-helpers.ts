import path from "node:path";
import { expect, type Dialog, type Page } from "@playwright/test";
import { SCREENSHOTS, type Stack } from "./stack.ts";

/** A tRPC call with the admin token (no browser), answering the parsed body; fails on a non-2xx status. */
export async function callApi<T>(stack: Stack, procedure: string, body: unknown): Promise<T> {
  const response = await fetch(`${stack.url}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${procedure} answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { result: { data: T } }).result.data;
}

/** Starts a run of a DAG file through the API; answers its id. */
export async function startRun(stack: Stack, file: unknown, options: Record<string, unknown> = {}): Promise<string> {
  return (await callApi<{ runId: string }>(stack, "runs.start", { dag: { file }, options })).runId;
}

/** Runs `act` expecting exactly one dialog of `type`, answered with `accept`; answers its message. */
export async function answeringDialog(page: Page, type: string, accept: boolean, act: () => Promise<unknown>): Promise<string> {
  const seen = new Promise<Dialog>((resolve) => page.once("dialog", resolve));
  const [dialog] = await Promise.all([
    seen.then(async (d) => {
      if (accept) await d.accept();
      else await d.dismiss();
      return d;
    }),
    act(),
  ]);
  expect(dialog.type()).toBe(type);
  return dialog.message();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** A DAG file of `tasks` (ids and calls), for the API. */
export function dagFile(name: string, tasks: readonly Record<string, unknown>[]): Record<string, unknown> {
  return { format: "handoff.dag", version: 1, name, tasks };
}

/** Drags from a task's output port to an input port of another (`in-new` appends an argument) on the editor's canvas. */
export async function connectPorts(page: Page, source: string, target: string, handle = "in-new"): Promise<void> {
  const from = page.getByTestId(`task-node-${source}`).locator(".react-flow__handle.source");
  const to = page.getByTestId(`task-node-${target}`).locator(`.react-flow__handle[data-handleid="${handle}"]`);
  // Where the handles are once the last change has been drawn: a connection moves the target's free port ("in-new").
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}
