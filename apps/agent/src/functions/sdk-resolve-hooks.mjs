// Module resolution hooks (node:module `register`), run on Node's loader thread. Plain JavaScript on purpose: this
// file is loaded before any TypeScript loader exists.
//
// 1. Function modules live anywhere on disk, usually with no node_modules of their own: the bare specifiers the
//    agent provides (`@handoff/sdk`, `@handoff/protocol`, `zod`, and their subpaths) resolve as if imported from the
//    agent's package, so every module shares the agent's one copy of the SDK (one `currentTask()` store).
// 2. A `.ts` file outside node_modules is loaded as an ES module even in a folder without `"type": "module"`
//    (function modules are written with `import`; without this Node would treat them as CommonJS). A `.js` file there
//    is loaded as an ES module when it has top-level `import`/`export` statements (what Node 22 detects by itself).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ESM_SYNTAX = /^\s*(?:import\s*[\w{*"']|export\s)/m;

let anchor = "";
let provided = [];

export function initialize(data) {
  anchor = data.anchor;
  provided = data.provided;
}

function isProvided(specifier) {
  return provided.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = isProvided(specifier)
    ? await nextResolve(specifier, { ...context, parentURL: anchor })
    : await nextResolve(specifier, context);
  if (resolved.format !== "commonjs" || !resolved.url.startsWith("file:") || resolved.url.includes("/node_modules/")) return resolved;
  if (/\.ts$/.test(resolved.url) || (/\.js$/.test(resolved.url) && hasEsmSyntax(resolved.url))) return { ...resolved, format: "module" };
  return resolved;
}

function hasEsmSyntax(url) {
  try {
    return ESM_SYNTAX.test(readFileSync(fileURLToPath(url), "utf8"));
  } catch {
    return false;
  }
}
