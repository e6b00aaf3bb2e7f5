#!/usr/bin/env node
// Builds dist/handoff-agent.mjs: the whole agent in one ES module with no native parts, for any machine with Node 20
// (`node handoff-agent.mjs --server URL --token TOKEN`). The server serves it at GET /install/agent.mjs.
//
//   node scripts/bundle.mjs            (or: pnpm run bundle)
//
// - Entry scripts/bundle/entry.ts wraps src/cli.ts; the same file is re-run as each executor worker (the worker URL
//   and workerData in src/executor/executor.ts are rewritten below, and the build fails if that code changes shape).
// - Function modules import `@handoff/sdk`, `@handoff/protocol` and `zod` from the bundle's own copies, and `.ts`
//   modules have their types stripped by sucrase, inside `node:module` hooks (scripts/bundle/module-hooks.mjs,
//   bundled with sucrase into a string the agent registers as a `data:` URL).
// - Also writes dist/handoff-agent.inputs.json: every source file the bundle was built from (paths relative to
//   apps/agent), so a server can tell when the bundle is older than its sources.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const agentDir = fileURLToPath(new URL("..", import.meta.url));
export const BUNDLE_FILE = path.join(agentDir, "dist", "handoff-agent.mjs");
export const INPUTS_FILE = path.join(agentDir, "dist", "handoff-agent.inputs.json");

const BANNER = 'import { createRequire } from "module"; const require = createRequire(import.meta.url);';

/** Exact text in src/executor/executor.ts the bundle replaces: the worker is this same file, told its role. */
const EXECUTOR_REWRITES = [
  ['new URL("./worker-entry.mjs", import.meta.url)', "new URL(import.meta.url)"],
  ["new Worker(workerUrl, { execArgv: [] })", 'new Worker(workerUrl, { execArgv: [], workerData: { handoffRole: "executor-worker" } })'],
];

/** Modules that would bring tsx, and with it esbuild's native binary, into the bundle. */
const FORBIDDEN = /^(?:tsx|esbuild)(?:\/|$)|(?:^|\/)(?:worker-entry|register-module-loaders|sdk-resolve-hooks)\.mjs$/;

const noNativeParts = {
  name: "handoff-no-native-parts",
  setup(builder) {
    builder.onResolve({ filter: FORBIDDEN }, (args) => ({
      errors: [{ text: `${args.path} (imported by ${args.importer}) cannot be in the agent bundle: it needs tsx/esbuild, a native binary` }],
    }));
  },
};

const executorWorkerIsThisFile = {
  name: "handoff-executor-worker",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/]executor[\\/]executor\.ts$/ }, async (args) => {
      let contents = await readFile(args.path, "utf8");
      for (const [from, to] of EXECUTOR_REWRITES) {
        const count = contents.split(from).length - 1;
        if (count !== 1) {
          return {
            errors: [{ text: `expected ${JSON.stringify(from)} once in ${args.path}, found it ${count} times; update EXECUTOR_REWRITES in scripts/bundle.mjs` }],
          };
        }
        contents = contents.replace(from, to);
      }
      return { contents, loader: "ts" };
    });
  },
};

/**
 * Builds the bundle and its inputs list.
 * @returns the bundle's path, size in bytes, build time in ms and input files (relative to apps/agent)
 */
export async function bundleAgent() {
  const startedAt = performance.now();
  const hooks = await build({
    absWorkingDir: agentDir,
    entryPoints: [path.join(agentDir, "scripts", "bundle", "module-hooks.mjs")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const hooksSource = hooks.outputFiles[0]?.text ?? "";
  // The hooks run from a data: URL, where `require` cannot be created: everything they use must be bundled as ESM.
  const required = Object.values(hooks.metafile.outputs).flatMap((output) => output.imports.filter((imported) => imported.kind === "require-call"));
  if (required.length > 0) {
    throw new Error(`scripts/bundle/module-hooks.mjs: the hooks bundle would call require(${required.map((imported) => JSON.stringify(imported.path)).join(", ")}); it must be pure ESM`);
  }

  const agent = await build({
    absWorkingDir: agentDir,
    entryPoints: [path.join(agentDir, "scripts", "bundle", "entry.ts")],
    outfile: BUNDLE_FILE,
    write: false,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minify: true,
    keepNames: true,
    banner: { js: BANNER },
    define: { HANDOFF_MODULE_HOOKS_SOURCE: JSON.stringify(hooksSource) },
    plugins: [noNativeParts, executorWorkerIsThisFile],
    metafile: true,
    logLevel: "warning",
  });
  // This script shapes the bundle too: a change to it makes the bundle stale like a change to a source file.
  const inputs = [...new Set(["scripts/bundle.mjs", ...Object.keys(hooks.metafile.inputs), ...Object.keys(agent.metafile.inputs)])].sort();
  const output = agent.outputFiles.find((file) => file.path === BUNDLE_FILE);
  if (output === undefined) throw new Error(`esbuild produced no ${BUNDLE_FILE}`);
  const bytes = output.contents.byteLength;
  mkdirSync(path.dirname(BUNDLE_FILE), { recursive: true });
  // Written beside and renamed, so a server reading the bundle while another build runs never sees half a file.
  writeAtomically(BUNDLE_FILE, output.contents);
  writeAtomically(INPUTS_FILE, `${JSON.stringify({ bundle: path.basename(BUNDLE_FILE), bytes, inputs }, null, 2)}\n`);
  const ms = Math.round(performance.now() - startedAt);
  return { file: BUNDLE_FILE, bytes, ms, inputs };
}

function writeAtomically(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { file, bytes, ms, inputs } = await bundleAgent();
    process.stdout.write(`${path.relative(process.cwd(), file) || file}: ${(bytes / 1024).toFixed(0)} KiB from ${inputs.length} files in ${ms} ms\n`);
  } catch (error) {
    // esbuild has already printed its errors with their locations.
    process.stderr.write(`bundle failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
