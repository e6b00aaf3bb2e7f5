// Module hooks of the single-file agent (`dist/handoff-agent.mjs`), registered with `node:module`'s `register` in
// each executor worker and run on Node's loader thread. scripts/bundle.mjs bundles this file together with sucrase
// into one string that the agent registers as a `data:` URL, so it needs no file next to the agent.
//
// 1. `@handoff/sdk`, `@handoff/protocol` and `zod` (and the subpaths in `provided`) resolve to small `data:` modules
//    that re-export the worker's own copies (`globalThis.__handoffProvided`): a function module needs no
//    node_modules and shares the agent's SDK instance (one `currentTask()` store).
// 2. `.ts` and `.mts` files are loaded as ES modules with their types stripped by sucrase (pure JavaScript; it keeps
//    line numbers, so stack traces point at the right lines). Node 20 cannot strip types itself and esbuild, which
//    tsx uses, is a native binary that cannot be bundled.
// 3. As tsx does, `./x.js` imported from a TypeScript file finds `./x.ts`, and an extensionless relative import finds
//    `./x.ts`; a `.js` file outside node_modules with top-level `import`/`export` loads as an ES module even in a
//    folder without `"type": "module"` (what Node 22 detects by itself).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { transform } from "sucrase";

const ESM_SYNTAX = /^\s*(?:import\s*[\w{*"']|export\s)/m;
const TYPESCRIPT = /\.(?:ts|mts)$/;

/** Provided specifier → URL of the module that re-exports it. */
let provided = new Map();
/** Package names whose other subpaths get a clear error instead of a copy found elsewhere. */
let providedPackages = [];

export function initialize(data) {
  provided = new Map(Object.entries(data.provided));
  providedPackages = data.packages;
}

function packageOf(specifier) {
  return providedPackages.find((name) => specifier === name || specifier.startsWith(`${name}/`));
}

function pathOf(url) {
  return new URL(url).pathname;
}

export async function resolve(specifier, context, nextResolve) {
  const mapped = provided.get(specifier);
  if (mapped !== undefined) return { url: mapped, format: "module", shortCircuit: true };
  const pkg = packageOf(specifier);
  if (pkg !== undefined) {
    throw new Error(
      `${specifier} (imported by ${context.parentURL ?? "the agent"}) is not part of the handoff-agent bundle; ` +
        `it provides ${[...provided.keys()].join(", ")}`,
    );
  }
  let resolved;
  try {
    resolved = await nextResolve(specifier, context);
  } catch (error) {
    const fallback = await typescriptFallback(specifier, context, nextResolve);
    if (fallback === undefined) throw error;
    resolved = fallback;
  }
  if (!resolved.url.startsWith("file:") || resolved.url.includes("/node_modules/")) return resolved;
  const path = pathOf(resolved.url);
  if (TYPESCRIPT.test(path)) return { ...resolved, format: "module" };
  if (resolved.format === "commonjs" && path.endsWith(".js") && hasEsmSyntax(resolved.url)) return { ...resolved, format: "module" };
  return resolved;
}

/** `./x.js` → `./x.ts` from a TypeScript parent, and `./x` → `./x.ts` (what tsx resolves). */
async function typescriptFallback(specifier, context, nextResolve) {
  const isRelative = specifier.startsWith("./") || specifier.startsWith("../");
  if (!isRelative || context.parentURL === undefined || !context.parentURL.startsWith("file:")) return undefined;
  const candidates = [];
  if (/\.js$/.test(specifier) && TYPESCRIPT.test(pathOf(context.parentURL))) candidates.push(specifier.replace(/\.js$/, ".ts"));
  if (/\.mjs$/.test(specifier) && TYPESCRIPT.test(pathOf(context.parentURL))) candidates.push(specifier.replace(/\.mjs$/, ".mts"));
  if (!/\.[cm]?[jt]s$/.test(specifier)) candidates.push(`${specifier}.ts`, `${specifier}/index.ts`);
  for (const candidate of candidates) {
    try {
      return await nextResolve(candidate, context);
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith("file:") || !TYPESCRIPT.test(pathOf(url))) return nextLoad(url, context);
  const filePath = fileURLToPath(url);
  const source = readFileSync(filePath, "utf8");
  let code;
  try {
    ({ code } = transform(source, { transforms: ["typescript"], filePath, disableESTransforms: true }));
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).replace(/^Error transforming .*?: /, "");
    throw new SyntaxError(`TypeScript syntax error in ${filePath}: ${message}`);
  }
  return { format: "module", source: code, shortCircuit: true };
}

function hasEsmSyntax(url) {
  try {
    return ESM_SYNTAX.test(readFileSync(fileURLToPath(url), "utf8"));
  } catch {
    return false;
  }
}
