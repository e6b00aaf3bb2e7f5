import { existsSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { FunctionMeta } from "@handoff/protocol";
import { shippedCodeHash } from "@handoff/protocol/function-bundle-hash";
import { DuplicateFunctionError, FunctionRegistry, stdFunctions, type HandoffFunction } from "@handoff/sdk";

/** File extensions a function module may have. */
export const MODULE_EXTENSIONS = [".ts", ".mts", ".mjs", ".js"] as const;

/** Why the function modules could not become a catalogue; `file` is the module at fault. */
export type ModuleLoadError =
  | { readonly kind: "module_not_found"; readonly file: string; readonly message: string }
  | { readonly kind: "unsupported_extension"; readonly file: string; readonly message: string }
  | { readonly kind: "module_failed"; readonly file: string; readonly message: string }
  | { readonly kind: "duplicate_function"; readonly file: string; readonly functionName: string; readonly message: string };

/**
 * A function bundle the server shipped (cached on disk, its hash checked): only `names` are taken from it (a newer
 * bundle may define the others), each with `codeHash` = `shippedCodeHash(name, hash)`.
 */
export type ShippedModule = { readonly file: string; readonly hash: string; readonly names: readonly string[] };
/** A module on the agent's own disk (a path), or a shipped bundle. */
export type ModuleSource = string | ShippedModule;

export type LoadModulesResult =
  | { readonly ok: true; readonly registry: FunctionRegistry; readonly byFile: ReadonlyMap<string, readonly string[]> }
  | { readonly ok: false; readonly error: ModuleLoadError };

/**
 * Imports function modules from any folder and merges every exported `HandoffFunction` and `FunctionRegistry`
 * with the standard library. Exports that are neither are ignored. TypeScript needs `registerModuleLoaders()` to
 * have run in this thread first (the executor's workers do it).
 * @example
 * const loaded = await loadFunctionModules(["/opt/fns/image.ts"]);
 * if (loaded.ok) loaded.registry.get("image.resize");
 */
export async function loadFunctionModules(paths: readonly ModuleSource[]): Promise<LoadModulesResult> {
  let registry = stdFunctions;
  const origin = new Map<string, string>(Array.from(stdFunctions, (fn) => [fn.meta.name, "the standard library"]));
  const byFile = new Map<string, string[]>();
  for (const given of paths) {
    const shipped = typeof given === "string" ? undefined : given;
    const file = resolve(typeof given === "string" ? given : given.file);
    const problem = checkFile(file);
    if (problem !== undefined) return { ok: false, error: problem };
    let exports: Record<string, unknown>;
    try {
      exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      return { ok: false, error: { kind: "module_failed", file, message: `function module ${file} failed to load: ${describe(error)}` } };
    }
    let found = collectFunctions(exports);
    if (shipped !== undefined) {
      const taken = asShipped(found, shipped);
      if (!taken.ok) return { ok: false, error: { kind: "module_failed", file, message: taken.message } };
      found = taken.functions;
    }
    try {
      registry = registry.merge(found);
    } catch (error) {
      if (!(error instanceof DuplicateFunctionError)) throw error;
      const first = origin.get(error.functionName) ?? "another module";
      return {
        ok: false,
        error: {
          kind: "duplicate_function",
          file,
          functionName: error.functionName,
          message: `function module ${file} defines "${error.functionName}" with different code than ${first}; rename one of them`,
        },
      };
    }
    for (const fn of found) if (!origin.has(fn.meta.name)) origin.set(fn.meta.name, file);
    byFile.set(file, [...new Set(found.map((fn) => fn.meta.name))].sort());
  }
  return { ok: true, registry, byFile };
}

/** The functions a shipped bundle is loaded for, each with its bundle-based code hash; every wanted name must be there. */
function asShipped(found: readonly HandoffFunction[], shipped: ShippedModule): { ok: true; functions: HandoffFunction[] } | { ok: false; message: string } {
  const byName = new Map(found.map((fn) => [fn.meta.name, fn]));
  const missing = shipped.names.filter((name) => !byName.has(name));
  if (missing.length > 0) return { ok: false, message: `function bundle ${shipped.hash} does not define ${missing.map((name) => `"${name}"`).join(", ")}` };
  return {
    ok: true,
    functions: shipped.names.map((name) => {
      const fn = byName.get(name) as HandoffFunction;
      return { ...fn, meta: { ...fn.meta, codeHash: shippedCodeHash(name, shipped.hash) } };
    }),
  };
}

function checkFile(file: string): ModuleLoadError | undefined {
  const extension = extname(file);
  if (!(MODULE_EXTENSIONS as readonly string[]).includes(extension)) {
    return { kind: "unsupported_extension", file, message: `function module ${file} has extension "${extension}"; expected one of ${MODULE_EXTENSIONS.join(", ")}` };
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    return { kind: "module_not_found", file, message: `function module ${file} does not exist or is not a file` };
  }
  return undefined;
}

/** Every `HandoffFunction` and every function of a `FunctionRegistry` among a module's exports. */
export function collectFunctions(exports: Record<string, unknown>): HandoffFunction[] {
  const found: HandoffFunction[] = [];
  for (const value of Object.values(exports)) {
    if (value instanceof FunctionRegistry) found.push(...value);
    else if (isHandoffFunction(value)) found.push(value);
  }
  return found;
}

function isHandoffFunction(value: unknown): value is HandoffFunction {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { meta?: unknown; run?: unknown };
  return typeof candidate.run === "function" && FunctionMeta.safeParse(candidate.meta).success;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
