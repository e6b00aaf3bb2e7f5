import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Issue 17 §4: the SDK as a package anyone installs from npm: built (ESM + types, our packages bundled in),
// packed with `npm pack`, installed into a folder outside the workspace, imported and typechecked there.
const run = promisify(execFile);
const sdkDir = fileURLToPath(new URL("..", import.meta.url));
const distDir = path.join(sdkDir, "dist");
const workspaceRequire = createRequire(path.join(sdkDir, "package.json"));
const tsc = path.join(path.dirname(workspaceRequire.resolve("typescript/package.json")), "bin", "tsc");
const nodeTypes = path.join(sdkDir, "..", "..", "node_modules", "@types");
let scratch: string;
let tarball: string;
let consumer: string;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), "handoff-sdk-pack-"));
  await run(process.execPath, [path.join(sdkDir, "scripts", "build-dist.mjs")], { cwd: sdkDir, timeout: 540_000 });
  const packed = await run("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: distDir, timeout: 120_000 });
  const [entry] = JSON.parse(packed.stdout) as { filename: string }[];
  tarball = path.join(scratch, entry!.filename);
  consumer = path.join(scratch, "consumer");
  mkdirSync(consumer);
  writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await install(tarball, consumer);
}, 900_000);

// The scratch folder holds an installed node_modules: removing it took over vitest's 10 s hook default once under CI's load.
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
}, 120_000);

/**
 * `npm install TARBALL` (its dependencies from the registry or npm's cache). Without a registry the same tarball is
 * unpacked by hand and its dependencies linked from the workspace's own copies, so the test still proves the packed
 * files import and typecheck on their own.
 */
async function install(file: string, into: string): Promise<void> {
  try {
    await run("npm", ["install", file, "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock"], { cwd: into, timeout: 300_000 });
    return;
  } catch (error) {
    console.warn(`npm install of the tarball failed (offline?); linking its dependencies from the workspace instead: ${String(error).slice(0, 300)}`);
  }
  const target = path.join(into, "node_modules", "@handoff", "sdk");
  mkdirSync(target, { recursive: true });
  await run("tar", ["-xzf", file, "-C", target, "--strip-components=1"]);
  const manifest = JSON.parse(readFileSync(path.join(target, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const name of Object.keys(manifest.dependencies)) {
    const from = [sdkDir, path.join(sdkDir, "..", "protocol")].map((dir) => path.join(dir, "node_modules", name)).find((dir) => existsSync(dir));
    if (!from) throw new Error(`no workspace copy of ${name}`);
    mkdirSync(path.dirname(path.join(into, "node_modules", name)), { recursive: true });
    symlinkSync(from, path.join(into, "node_modules", name));
  }
}

describe("the packed SDK", () => {
  it("holds the bundle and its types, and depends only on registry packages", async () => {
    const listing = (await run("tar", ["-tzf", tarball])).stdout.split("\n").filter(Boolean).sort();
    expect(listing).toEqual(["package/README.md", "package/index.d.ts", "package/index.js", "package/index.js.map", "package/package.json"]);
    const manifest = JSON.parse(readFileSync(path.join(consumer, "node_modules", "@handoff", "sdk", "package.json"), "utf8")) as { dependencies: Record<string, string>; private?: boolean };
    expect(manifest.private).toBeUndefined();
    for (const [name, version] of Object.entries(manifest.dependencies)) {
      expect(name.startsWith("@handoff/"), name).toBe(false);
      expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
    }
    // The bundle and its declarations import nothing of ours: core, protocol and the router's types are inside.
    const installed = path.join(consumer, "node_modules", "@handoff", "sdk");
    for (const file of ["index.js", "index.d.ts"]) expect(readFileSync(path.join(installed, file), "utf8")).not.toMatch(/from ["']@handoff\//);
    expect(readdirSync(path.join(consumer, "node_modules"))).toContain("zod");
  }, 300_000);

  it("imports createClient and Dag in plain Node", async () => {
    writeFileSync(
      path.join(consumer, "use.mjs"),
      `import { createClient, Dag, executeLocal } from "@handoff/sdk";
const dag = new Dag("packed").addTask({ id: "x", fn: "std.constant", extraArgs: [21] }).addTask({ id: "y", fn: "std.sum", args: ["x", "x"] });
const client = createClient({ url: "http://127.0.0.1:9", token: "hf_user_x" });
const outcome = await executeLocal(dag, {});
console.log(JSON.stringify({ tasks: dag.toJSON().tasks.length, execute: typeof client.execute, y: outcome.results.y }));
`,
    );
    const { stdout } = await run(process.execPath, ["use.mjs"], { cwd: consumer, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ tasks: 2, execute: "function", y: 42 });
  }, 300_000);

  it("typechecks a consumer against the packed types (and refuses a wrong call)", async () => {
    writeFileSync(
      path.join(consumer, "use.ts"),
      `import { createClient, Dag, type RunOutcome } from "@handoff/sdk";
const dag = new Dag("packed").addTask({ id: "x", fn: "std.constant", extraArgs: [21] });
const client = createClient({ url: "http://127.0.0.1:9", token: "hf_user_x" });
export async function main(): Promise<string> {
  const { runId } = await client.startRun(dag, { maxRetries: 1 });
  const run = await client.getRun(runId);
  const status: "queued" | "running" | "succeeded" | "failed" | "cancelled" | "rejected" | "interrupted" = run.status;
  const waited = await client.trpc.runs.wait.query({ runId, timeoutMs: 1000 });
  const outcome: RunOutcome | undefined = undefined;
  // @ts-expect-error a run id is text, not a number: the router's types came along
  await client.getRun(42);
  return status + String(waited.finished) + String(outcome) + run.tasks.map((task) => task.taskId).join();
}
`,
    );
    writeFileSync(
      path.join(consumer, "tsconfig.json"),
      // A Node project's usual setup (`tsc --init`: skipLibCheck, as tRPC's own declarations want DOM and ws types). A type
      // that failed to resolve would be `any`: the @ts-expect-error above would then be unused, an error.
      JSON.stringify({
        compilerOptions: { target: "ES2022", lib: ["ES2023"], module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, types: ["node"], typeRoots: [nodeTypes] },
        files: ["use.ts"],
      }),
    );
    const checked = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: consumer, timeout: 300_000 }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "tsc failed without output" }));
    expect(checked.stdout).toBe("");
  }, 300_000);
});
