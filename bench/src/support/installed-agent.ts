import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Stack } from "@handoff/cli/testing";

/**
 * An agent started the way a user installs one: the single-file bundle downloaded from the server's
 * `/install/agent.mjs` and run by plain `node` (no TypeScript loader in its main thread), joined with a fresh join
 * token. The bench's own agents run from source through tsx, which holds its loader and esbuild in memory: their
 * footprint is a developer's, not what every machine pays.
 * @returns the running process, once the server lists `name` online; the caller kills it
 */
export async function startInstalledAgent(stack: Stack, name: string, extraArgs: readonly string[]): Promise<ChildProcess> {
  const response = await fetch(`${stack.url}/install/agent.mjs`);
  if (!response.ok) throw new Error(`GET /install/agent.mjs answered ${response.status}`);
  const folder = mkdtempSync(path.join(tmpdir(), "handoff-installed-agent-"));
  const file = path.join(folder, "handoff-agent.mjs");
  writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  const env = { ...process.env, HANDOFF_JOIN_TOKEN: await stack.joinToken() };
  const child = spawn(process.execPath, [file, "--server", stack.url, "--name", name, "--data-dir", path.join(folder, "data"), ...extraArgs], { stdio: "ignore", env });
  try {
    await stack.waitForMachines([name]);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return child;
}
