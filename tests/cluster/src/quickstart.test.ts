import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@handoff/sdk";

// The README's quick start, as a newcomer types it: `npm start` (pnpm runs the CLI's start script in
// apps/cli), then in a second process `npm run handoff -- run examples/word-count.dag.json` from the
// repository root, then the README's SDK snippet as a script.
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const require = createRequire(import.meta.url);
const tsx = require.resolve("tsx");
const dataDir = mkdtempSync(path.join(tmpdir(), "handoff-quickstart-"));
const scratch = path.join(repo, "tests/cluster/test-results", path.basename(dataDir));
let system: ChildProcess;
let output = "";
let url = "";

function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async (): Promise<void> => {
      const value = await probe();
      if (value !== undefined) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}; output so far:\n${output}`));
      setTimeout(() => void tick().catch(reject), 200);
    };
    void tick().catch(reject);
  });
}

beforeAll(async () => {
  mkdirSync(scratch, { recursive: true });
  // An agent module outside the repository offering demo.double, as the README's snippet asks.
  const double = path.join(dataDir, "double.mjs");
  writeFileSync(double, `import { defineFunction } from "@handoff/sdk";\nexport const double = defineFunction({ name: "demo.double", run: (x) => x * 2 });\n`);
  system = spawn(
    process.execPath,
    ["--import", tsx, "src/main.ts", "start", "--port", "0", "--no-web", "--functions", path.join(repo, "examples/src/pipeline.ts"), "--functions", double],
    { cwd: path.join(repo, "apps/cli"), env: { ...process.env, HANDOFF_DATA_DIR: dataDir, HANDOFF_TOKEN: "" }, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  system.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  system.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  url = await waitFor("the URL", () => /open\s+(http:\/\/\S+)/.exec(output)?.[1]);
  const token = await waitFor("the admin token file", () => (existsSync(path.join(dataDir, "admin-token")) ? readFileSync(path.join(dataDir, "admin-token"), "utf8").trim() : undefined));
  const client = createClient({ url, token });
  await waitFor("the local agent", async () => ((await client.discoverMachines()).some((m) => m.status === "online" && m.functions.some((f) => f.name === "text.count")) ? true : undefined));
});

afterAll(async () => {
  if (system?.pid !== undefined && system.exitCode === null) {
    const exited = new Promise((resolve) => system.once("exit", resolve));
    process.kill(-system.pid, "SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (system.exitCode === null) process.kill(-system.pid, "SIGKILL");
  }
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe("the README's quick start, from a clean data directory", () => {
  it("prints a sign-in link that answers 200", async () => {
    const link = /sign in\s+(http:\/\/\S+)/.exec(output)?.[1];
    expect(link, output).toBeDefined();
    const response = await fetch(link!, { redirect: "follow" });
    expect(response.status).toBe(200);
  });

  it("runs examples/word-count.dag.json from a second process in the repository root", async () => {
    const result = spawnSync(process.execPath, [path.join(repo, "apps/cli/bin/handoff.mjs"), "run", "examples/word-count.dag.json"], {
      cwd: repo,
      encoding: "utf8",
      env: { ...process.env, HANDOFF_URL: url, HANDOFF_DATA_DIR: dataDir, HANDOFF_TOKEN: "" },
      timeout: 120_000,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/succeeded in \d+ ms/);
    expect(result.stdout).toContain('["the",5]');
    expect(result.stdout).toContain('["fox",3]');
    expect(result.stdout).toContain('["dog",3]');
  });

  it("shows in the CLI's progress when a failed task's next attempt will start", () => {
    const dag = path.join(scratch, "retrying.dag.json");
    writeFileSync(dag, JSON.stringify({ format: "handoff.dag", version: 1, name: "retrying", tasks: [
      // The first attempt times out after 3 s, so the CLI's live view has started before the failure.
      { id: "bad", fn: "std.sleep", extraArgs: [60_000], timeoutMs: 3_000, maxRetries: 1, retryBackoff: { initialMs: 2_000 } },
    ] }));
    const result = spawnSync(process.execPath, [path.join(repo, "apps/cli/bin/handoff.mjs"), "run", dag], {
      cwd: repo,
      encoding: "utf8",
      env: { ...process.env, HANDOFF_URL: url, HANDOFF_DATA_DIR: dataDir, HANDOFF_TOKEN: "" },
      timeout: 120_000,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/bad: retry 2\/2 (in \d s|now) after timeout/);
    expect(result.stdout).toMatch(/failed in \d+ ms/);
  });

  it("runs the README's SDK snippet (executeLocal, then createClient().execute) as a script", () => {
    const readme = readFileSync(path.join(repo, "README.md"), "utf8");
    const snippet = /```ts\n(import \{ Dag, defineFunction, executeLocal \}[\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet, "the README's SDK snippet").toBeDefined();
    expect(snippet).toContain('"http://127.0.0.1:4400"');
    const script = path.join(scratch, "readme-snippet.mts");
    writeFileSync(script, `${snippet!.replace('"http://127.0.0.1:4400"', JSON.stringify(url))}\nconsole.log(JSON.stringify({ local: outcome.results, remote: remote.results, status: remote.status }));\n`);
    const token = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
    const result = spawnSync(process.execPath, ["--import", tsx, script], { cwd: path.join(repo, "tests/cluster"), encoding: "utf8", env: { ...process.env, HANDOFF_TOKEN: token }, timeout: 120_000 });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.trim().split("\n").at(-1)!)).toEqual({ local: { x: 42, y: 84 }, remote: { x: 42, y: 84 }, status: "succeeded" });
  });
});
