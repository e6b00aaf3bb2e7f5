// @ts-check
import { readFileSync, realpathSync } from "node:fs";
import { relative } from "node:path";
import ts from "typescript";

/**
 * `handoff/no-import-cycle`: no module may reach itself again through its imports, type-only imports included
 * (eslint-plugin-import-x's `no-cycle` skips `import type`, and every cycle this repository had went through one).
 * Imports resolve as TypeScript resolves them (relative paths and workspace packages through their `exports`);
 * third-party modules are not followed.
 */

const COMPILER_OPTIONS = {
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  resolvePackageJsonExports: true,
  jsx: ts.JsxEmit.ReactJSX,
};
const SOURCE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/;

/** Resolved imports per file, kept for the whole lint run (one process lints a package). */
const importsByFile = new Map();

/** @returns {string | undefined} the real path of a first-party source file `specifier` names from `fromFile`. */
function resolveImport(specifier, fromFile) {
  const resolved = ts.resolveModuleName(specifier, fromFile, COMPILER_OPTIONS, ts.sys).resolvedModule;
  if (resolved === undefined || resolved.resolvedFileName.endsWith(".d.ts") || !SOURCE.test(resolved.resolvedFileName)) return undefined;
  const file = realpathSync(resolved.resolvedFileName);
  return file.includes("/node_modules/") ? undefined : file;
}

/** @returns {{ specifier: string; file: string }[]} */
function importsOf(file, text) {
  const cached = text === undefined ? importsByFile.get(file) : undefined;
  if (cached !== undefined) return cached;
  let source = text;
  if (source === undefined) {
    try {
      source = readFileSync(file, "utf8");
    } catch {
      source = "";
    }
  }
  const out = [];
  for (const { fileName: specifier } of ts.preProcessFile(source, true, true).importedFiles) {
    const target = resolveImport(specifier, file);
    if (target !== undefined) out.push({ specifier, file: target });
  }
  if (text === undefined) importsByFile.set(file, out);
  return out;
}

/** A path of files from `start` back to `goal`, or undefined. */
function pathBack(start, goal) {
  const seen = new Set([start]);
  const stack = [[start]];
  while (stack.length > 0) {
    const trail = stack.pop();
    const last = trail[trail.length - 1];
    for (const { file } of importsOf(last)) {
      if (file === goal) return trail;
      if (seen.has(file)) continue;
      seen.add(file);
      stack.push([...trail, file]);
    }
  }
  return undefined;
}

/** @type {import("eslint").Rule.RuleModule} */
export const noImportCycle = {
  meta: {
    type: "problem",
    docs: { description: "Forbid import cycles between first-party modules, type-only imports included." },
    schema: [],
    messages: { cycle: "import cycle: {{cycle}}. Move the shared piece into a module both can import." },
  },
  create(context) {
    const filename = context.physicalFilename;
    if (!SOURCE.test(filename)) return {};
    let self;
    try {
      self = realpathSync(filename);
    } catch {
      self = filename; // a file linted from text that is not on disk
    }
    const root = context.cwd;
    const reported = new Set();
    let selfImports;
    const check = (node, specifier) => {
      selfImports ??= importsOf(self, context.sourceCode.text);
      for (const target of selfImports) {
        if (target.specifier !== specifier || reported.has(target.file)) continue;
        const trail = target.file === self ? [] : pathBack(target.file, self);
        if (trail === undefined) continue;
        reported.add(target.file);
        const cycle = [self, ...trail, self].map((file) => relative(root, file)).join(" → ");
        context.report({ node, messageId: "cycle", data: { cycle } });
      }
    };
    const fromSource = (node) => {
      if (node.source && typeof node.source.value === "string") check(node.source, node.source.value);
    };
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: fromSource,
    };
  },
};
