import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { openTestDatabase, type TestDatabase } from "@handoff/db/testing";
import { bundleHash, shippedCodeHash } from "@handoff/protocol/function-bundle-hash";
import { createClient, HandoffApiError } from "@handoff/sdk";
import { dagFile } from "./fixtures.ts";

// Issue #17 §2: a function module bundled with its imports by `handoff functions push`, stored by hash, and loaded by
// the agents that allow it (here "fetcher"), never by the others ("plain").

const cliMain = fileURLToPath(new URL("../../../apps/cli/src/main.ts", import.meta.url));
const tsx = createRequire(import.meta.url).resolve("tsx");

/**
 * `handoff functions …` as an admin types it. Not spawnSync: blocking this process for the bundling's seconds would
 * leave the client's pooled keep-alive connections closed under it.
 */
function cli(stack: Stack, args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", tsx, cliMain, "functions", ...args, "--server", stack.url], {
    env: { ...process.env, HANDOFF_TOKEN: stack.adminToken },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

/** A module whose function calls a helper from another file, and a module that imports a package with a native addon. */
function writeModules(): { dir: string; fns: string; helper: string; native: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "handoff-shipped-"));
  const helper = path.join(dir, "helper.ts");
  writeFileSync(helper, 'export const suffix = (text: string): string => `${text.toUpperCase()}!`;\n');
  const fns = path.join(dir, "fns.ts");
  writeFileSync(
    fns,
    `import { currentTask, defineFunction } from "@handoff/sdk";
import { suffix } from "./helper.ts";
export const shout = defineFunction({ name: "text.shout", run: (text: string) => ({ text: suffix(text), machine: currentTask().machine }) });
`,
  );
  const addon = path.join(dir, "node_modules", "fast-native");
  mkdirSync(addon, { recursive: true });
  writeFileSync(path.join(addon, "package.json"), JSON.stringify({ name: "fast-native", version: "1.0.0", main: "index.js", gypfile: true }));
  writeFileSync(path.join(addon, "binding.gyp"), "{}\n");
  writeFileSync(path.join(addon, "index.js"), "module.exports = { fast: (x) => x };\n");
  const native = path.join(dir, "native.ts");
  writeFileSync(native, `import { defineFunction } from "@handoff/sdk";\nimport { fast } from "fast-native";\nexport const f = defineFunction({ name: "text.fast", run: (x: string) => fast(x) });\n`);
  return { dir, fns, helper, native };
}

const shoutDag = (name: string) => dagFile(name, [{ id: "in", fn: "std.constant", extraArgs: ["hi"] }, { id: "shout", fn: "text.shout", args: ["in"] }]);

describe("functions shipped from the server [sqlite]", () => {
  const modules = writeModules();
  let database: TestDatabase;
  let stack: Stack;
  let fetcherOutput = "";
  let serverOutput = "";

  beforeAll(async () => {
    database = await openTestDatabase("sqlite");
    stack = await startStack({ databaseUrl: database.url, serverOutput: (chunk) => (serverOutput += chunk) });
    await stack.launchAgent({ name: "fetcher", capacity: { slots: 2 }, extraArgs: ["--fetch-functions"] }, { output: (chunk) => (fetcherOutput += chunk) });
    await stack.launchAgent({ name: "plain", capacity: { slots: 2 } });
    await stack.waitForMachines(["fetcher", "plain"]);
  }, 180_000);

  afterAll(async () => {
    if (process.env["HANDOFF_TEST_DEBUG_OUT"]) (await import("node:fs")).writeFileSync(process.env["HANDOFF_TEST_DEBUG_OUT"], `${serverOutput}\n----\n${fetcherOutput}`);
    await stack?.stop();
    await database?.dispose();
  });

  const pushed = (): Promise<{ hash: string; functions: { fn: { name: string; codeHash: string }; current: boolean }[] }[]> => stack.client.trpc.functions.list.query();

  let firstHash = "";

  it("bundles the module with its helper, stores it by hash, and runs it on the agent that fetches functions only", async () => {
    const push = await cli(stack, ["push", modules.fns]);
    expect(push.stderr).toBe("");
    expect(push.status).toBe(0);
    const [bundle] = await pushed();
    expect(bundle).toBeDefined();
    firstHash = bundle!.hash;
    expect(push.stdout).toContain(firstHash);
    expect(bundle!.functions.map(({ fn, current }) => ({ name: fn.name, codeHash: fn.codeHash, current }))).toEqual([{ name: "text.shout", codeHash: shippedCodeHash("text.shout", firstHash), current: true }]);

    const outcome = await stack.client.execute(shoutDag("shout-1"), { materialize: true });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["shout"]).toEqual({ text: "HI!", machine: "fetcher" });
    const run = await stack.client.getRun(outcome.runId);
    const shout = run.tasks.find((task) => task.taskId === "shout");
    expect(shout?.codeHash).toBe(shippedCodeHash("text.shout", firstHash));
    // Every task of the run records the code it ran.
    for (const task of run.tasks) expect(task.codeHash, task.taskId).toMatch(/^[0-9a-f]{64}$/);

    // Cached by hash, private to the agent's user.
    const cache = path.join(stack.dataDir, "agents", "fetcher", "functions");
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(cache, `${firstHash}.mjs`)).mode & 0o777).toBe(0o600);
  });

  it("shows which machine offers which version, and that the agent without fetching never loaded it", async () => {
    const matrix = await stack.client.trpc.functions.versions.query();
    expect(matrix.machines).toEqual(
      expect.arrayContaining([
        { name: "fetcher", status: "online", fetchesFunctions: true },
        { name: "plain", status: "online", fetchesFunctions: false },
      ]),
    );
    const shout = matrix.functions.find((fn) => fn.name === "text.shout");
    expect(shout?.shipped).toEqual({ hash: firstHash, codeHash: shippedCodeHash("text.shout", firstHash), source: "fns.ts" });
    expect(shout?.machines).toEqual(
      expect.arrayContaining([
        { machine: "fetcher", codeHash: shippedCodeHash("text.shout", firstHash), state: "current" },
        { machine: "plain", codeHash: null, state: "missing" },
      ]),
    );
    expect(existsSync(path.join(stack.dataDir, "agents", "plain", "functions"))).toBe(false);
    // Pinned to the machine that does not fetch: no machine there offers it, so the run is refused before it starts.
    const refused = await stack.client
      .startRun(dagFile("shout-plain", [{ id: "in", fn: "std.constant", extraArgs: ["hi"] }, { id: "shout", fn: "text.shout", args: ["in"], placement: { kind: "pinned", machine: "plain" } }]))
      .then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(HandoffApiError);
    expect(JSON.stringify((refused as HandoffApiError).problems)).toMatch(/text\.shout/);
  });

  it("gives the function a new hash when only its helper changes, and the run records it", async () => {
    writeFileSync(modules.helper, 'export const suffix = (text: string): string => `${text.toUpperCase()}!!`;\n');
    expect((await cli(stack, ["push", modules.fns])).status).toBe(0);
    const [latest, older] = await pushed();
    expect(older?.hash).toBe(firstHash);
    expect(latest?.hash).not.toBe(firstHash);
    expect(older?.functions[0]?.current).toBe(false);
    const outcome = await stack.client.execute(shoutDag("shout-2"), { materialize: true });
    expect(outcome.results["shout"]).toEqual({ text: "HI!!", machine: "fetcher" });
    const run = await stack.client.getRun(outcome.runId);
    expect(run.tasks.find((task) => task.taskId === "shout")?.codeHash).toBe(shippedCodeHash("text.shout", latest!.hash));
  });

  it("refuses a bundle whose bytes do not match its hash, and then offers no version of it", async () => {
    writeFileSync(modules.helper, 'export const suffix = (text: string): string => `${text.toUpperCase()}!!!`;\n');
    expect((await cli(stack, ["push", modules.fns])).status).toBe(0);
    const [latest] = await pushed();
    // Someone with the database swaps the code; the row keeps its hash.
    const tampered = "export const shout = 1; // not what was pushed\n";
    await database.db.client.functionBundle.update({ where: { hash: latest!.hash }, data: { code: tampered } });
    expect(bundleHash(tampered)).not.toBe(latest!.hash);

    const refused = await stack.client.startRun(shoutDag("shout-3")).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(HandoffApiError);
    expect(JSON.stringify((refused as HandoffApiError).problems)).toMatch(/text\.shout/);
    expect(fetcherOutput).toMatch(new RegExp(`function bundle ${latest!.hash} refused: its bytes hash to ${bundleHash(tampered)}`));
    const cache = path.join(stack.dataDir, "agents", "fetcher", "functions");
    expect(readdirSync(cache)).not.toContain(`${latest!.hash}.mjs`);
    const shout = (await stack.client.trpc.functions.versions.query()).functions.find((fn) => fn.name === "text.shout");
    expect(shout?.machines.find((cell) => cell.machine === "fetcher")?.codeHash).toBeNull();
  });

  it("refuses native dependencies at push, and checks what the server is sent", async () => {
    const before = (await pushed()).length;
    const push = await cli(stack, ["push", modules.native]);
    expect(push.status).toBe(2);
    expect(push.stderr).toMatch(/native\.ts needs native code, which cannot be shipped: package "fast-native" builds a native addon \(node-gyp\)/);

    // Straight to the API: native code, a catalogue whose hashes are not the bundle's, a user token.
    const code = 'import { defineFunction } from "@handoff/sdk";\nconst addon = require("./build/Release/addon.node");\nexport const f = defineFunction({ name: "x.f", run: () => addon });\n';
    const catalogue = [{ name: "x.f", namespace: "x", inputs: { kind: "variadic" as const }, codeHash: shippedCodeHash("x.f", bundleHash(code)) }];
    await expect(stack.client.trpc.functions.push.mutate({ source: "x.mjs", code, catalogue })).rejects.toThrow(/native dependencies/);
    const plainCode = code.replace('require("./build/Release/addon.node")', "42");
    await expect(stack.client.trpc.functions.push.mutate({ source: "x.mjs", code: plainCode, catalogue })).rejects.toThrow(/catalogue\[0\]\.codeHash: must be/);
    await expect(stack.client.trpc.functions.push.mutate({ source: "../etc/x.mjs", code: plainCode, catalogue })).rejects.toThrow(/source/);
    const { token } = await stack.client.trpc.tokens.create.mutate({ name: "a user", kind: "user" });
    const user = createClient({ url: stack.url, token });
    const userCatalogue = [{ ...catalogue[0]!, codeHash: shippedCodeHash("x.f", bundleHash(plainCode)) }];
    await expect(user.trpc.functions.push.mutate({ source: "x.mjs", code: plainCode, catalogue: userCatalogue })).rejects.toThrow(/admin/i);
    expect((await pushed()).length).toBe(before);
  });
});
