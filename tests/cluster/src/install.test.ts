import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile } from "./fixtures.ts";

// Issue #5 §1: an agent installed with the one line the server gives, in an empty folder outside the repository,
// with Node and nothing else (no node_modules anywhere above it), running a TypeScript function module.

let stack: Stack;
let dir: string;
let agent: ChildProcess | undefined;
let agentOutput = "";

const FUNCTIONS_TS = `import { currentTask, defineFunction, type TaskContext } from "@handoff/sdk";
import { z } from "zod";
import { scale } from "./scale.js";

enum Side { Near = "near", Far = "far" }

interface Measured {
  readonly machine: string;
  readonly side: Side;
  readonly scaled: number;
}

const Input = z.number().int();

export const measure = defineFunction({
  name: "far.measure",
  description: "Types, an enum, zod and a sibling module, from a .ts file the agent strips itself",
  run: (x: unknown): Measured => {
    const task: TaskContext = currentTask();
    task.log.info("measuring", x);
    return { machine: task.machine, side: Side.Far, scaled: scale(Input.parse(x)) };
  },
});
`;

const SCALE_TS = `export const scale = (value: number, by: number = 2): number => value * by;\n`;

const FUNCTIONS_MJS = `import { currentTask, defineFunction } from "@handoff/sdk";

export const label = defineFunction({ name: "far.label", run: (value) => currentTask().machine + ":" + JSON.stringify(value) });
`;

beforeAll(async () => {
  stack = await startStack({ localMachine: "far" });
  dir = mkdtempSync(path.join(tmpdir(), "handoff-install-"));
  writeFileSync(path.join(dir, "fns.ts"), FUNCTIONS_TS);
  writeFileSync(path.join(dir, "scale.ts"), SCALE_TS);
  writeFileSync(path.join(dir, "more.mjs"), FUNCTIONS_MJS);
});

afterAll(async () => {
  if (agent?.pid !== undefined && agent.exitCode === null && agent.signalCode === null) {
    const exited = new Promise((resolve) => agent?.once("exit", resolve));
    process.kill(-agent.pid, "SIGTERM"); // the shell and the agent it started: their own process group
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (agent.exitCode === null && agent.signalCode === null) process.kill(-agent.pid, "SIGKILL");
  }
  await stack?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("installing an agent with one line", () => {
  it("gives the command with the server URL and the name filled in; the join token comes from the environment, never a URL", async () => {
    const response = await fetch(`${stack.url}/install?name=far`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(`curl -fsSL ${stack.url}/install/agent.mjs -o handoff-agent.mjs && node handoff-agent.mjs --server ${stack.url} --name far\n`);
    const withToken = await fetch(`${stack.url}/install?token=hf_join_abc-DEF_123`);
    expect(withToken.status).toBe(400);
    expect(await withToken.text()).toContain("query parameter token: tokens never travel in URLs");
  });

  it("serves the bundle as JavaScript, with no token", async () => {
    const response = await fetch(`${stack.url}/install/agent.mjs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
    const text = await response.text();
    expect(text.length).toBeGreaterThan(100_000);
    expect(text).toContain("createRequire(import.meta.url)");
  });

  it("starts from an empty folder outside the repository with only that line, and runs a DAG pinned to it", async () => {
    for (let folder = dir; ; folder = path.dirname(folder)) {
      expect(existsSync(path.join(folder, "node_modules")), `${folder} has a node_modules the agent could lean on`).toBe(false);
      if (path.dirname(folder) === folder) break;
    }
    const token = await stack.joinToken();
    const line = (await (await fetch(`${stack.url}/install?name=far`)).text()).trim();
    const started = spawn("sh", ["-c", `${line} --functions ./fns.ts ./more.mjs`], {
      cwd: dir,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, HANDOFF_JOIN_TOKEN: token },
    });
    const keep = (chunk: Buffer): void => {
      agentOutput = (agentOutput + chunk.toString("utf8")).slice(-8000);
    };
    agent = started;
    started.stdout?.on("data", keep);
    started.stderr?.on("data", keep);
    let isOnline = false;
    const gaveUp = new Promise<void>((resolve, reject) => {
      started.once("exit", (code, signal) => (isOnline ? resolve() : reject(new Error(`it exited (${code ?? signal})`))));
    });
    gaveUp.catch(() => undefined); // after a timeout it rejects only when the agent is stopped at the end: unobserved
    try {
      await Promise.race([stack.waitForMachines(["far"]), gaveUp]);
      isOnline = true;
    } catch (error) {
      throw new Error(`the installed agent did not come online: ${(error as Error).message}\n--- its output ---\n${agentOutput}`);
    }

    // What curl wrote is what the server serves.
    const served = Buffer.from(await (await fetch(`${stack.url}/install/agent.mjs`)).arrayBuffer());
    expect(readFileSync(path.join(dir, "handoff-agent.mjs")).equals(served)).toBe(true);

    const outcome = await stack.client.execute(
      dagFile("installed", [
        { id: "x", fn: "std.constant", extraArgs: [21], placement: { kind: "pinned", machine: "far" } },
        { id: "m", fn: "far.measure", args: ["x"], placement: { kind: "pinned", machine: "far" } },
        { id: "l", fn: "far.label", args: ["m"], placement: { kind: "pinned", machine: "far" } },
      ]),
      { materialize: true },
    );
    expect(outcome.status, agentOutput).toBe("succeeded");
    const measured = { machine: "far", side: "far", scaled: 42 };
    expect(outcome.results).toEqual({ x: 21, m: measured, l: `far:${JSON.stringify(measured)}` });
  });

  it("fails a task whose TypeScript input is wrong with the module's own error, not the loader's", async () => {
    const outcome = await stack.client.execute(
      dagFile("installed-bad-input", [
        { id: "x", fn: "std.constant", extraArgs: [1.5], placement: { kind: "pinned", machine: "far" } },
        { id: "m", fn: "far.measure", args: ["x"], placement: { kind: "pinned", machine: "far" } },
      ]),
    );
    expect(outcome.status).toBe("failed");
    expect(JSON.stringify(outcome)).toMatch(/expected int/i);
  });
});
