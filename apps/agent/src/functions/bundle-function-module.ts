import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve, sep } from "node:path";
import { build, type Plugin } from "esbuild";
import type { FunctionMeta } from "@handoff/protocol";
import { bundleHash, shippedCodeHash } from "@handoff/protocol/function-bundle-hash";
import { loadFunctionModules, MODULE_EXTENSIONS } from "./load-modules.ts";
import { PROVIDED_PACKAGES } from "./provided-packages.mjs";
import { registerModuleLoaders } from "./register-module-loaders.mjs";

/** A module bundled for shipping: its code, the SHA-256 of that code, and the functions it defines. */
export type FunctionBundle = { readonly source: string; readonly code: string; readonly hash: string; readonly catalogue: FunctionMeta[] };

/** Why a module cannot be shipped; `native` names the addon or package that needs a compiled binary. */
export class BundleError extends Error {
  override readonly name = "BundleError";
  constructor(
    readonly kind: "not_found" | "unsupported_extension" | "native" | "bundle_failed" | "load_failed" | "no_functions",
    message: string,
  ) {
    super(message);
  }
}

/** Packages that exist to find or build a native addon: a dependency on one means compiled code. */
const NATIVE_HELPERS = ["node-gyp-build", "bindings", "prebuild-install", "@mapbox/node-pre-gyp", "node-pre-gyp", "node-addon-api", "nan"];
/** The code of every bundle runs with these as imports; esbuild leaves them out (the agent provides them). */
const EXTERNAL = PROVIDED_PACKAGES.flatMap((name) => [name, `${name}/*`]);
const BANNER = 'import { createRequire as __handoffRequire } from "node:module"; const require = __handoffRequire(import.meta.url);';

/**
 * Bundles a function module with its imports into one ES module (esbuild), `@handoff/sdk`, `@handoff/protocol` and
 * `zod` left as imports, and refuses native code: a `.node` file, or a package with `binding.gyp`, `gypfile` or a
 * dependency on a native-addon helper. Then loads the bundle here (the user's machine, never the server) to read its
 * catalogue, each function's `codeHash` being `shippedCodeHash(name, hash)`.
 * @example
 * const bundle = await bundleFunctionModule("./fns.ts"); // { hash, code, catalogue: [{ name: "text.shout", ... }] }
 */
export async function bundleFunctionModule(path: string): Promise<FunctionBundle> {
  const file = resolve(path);
  if (!MODULE_EXTENSIONS.some((extension) => file.endsWith(extension))) {
    throw new BundleError("unsupported_extension", `${path}: a function module ends with ${MODULE_EXTENSIONS.join(", ")}`);
  }
  if (!existsSync(file)) throw new BundleError("not_found", `${path} does not exist (looked at ${file})`);
  const native: string[] = [];
  let output: string;
  try {
    const result = await build({
      entryPoints: [file],
      absWorkingDir: dirname(file),
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      write: false,
      external: EXTERNAL,
      banner: { js: BANNER },
      logLevel: "silent",
      plugins: [refuseNative(native)],
    });
    output = result.outputFiles[0]?.text ?? "";
  } catch (error) {
    if (native.length > 0) {
      throw new BundleError("native", `${path} needs native code, which cannot be shipped: ${[...new Set(native)].join("; ")}. Install the module on the machines instead (handoff agent --functions)`);
    }
    throw new BundleError("bundle_failed", `${path} cannot be bundled: ${error instanceof Error ? error.message : String(error)}`);
  }
  const hash = bundleHash(output);
  return { source: basename(file), code: output, hash, catalogue: await catalogueOf(output, hash, path) };
}

/** Loads the bundle from a private temp folder to read what it defines (the same loader the agent uses). */
async function catalogueOf(code: string, hash: string, path: string): Promise<FunctionMeta[]> {
  registerModuleLoaders();
  const dir = mkdtempSync(join(tmpdir(), "handoff-bundle-"));
  const file = join(dir, `${hash}.mjs`);
  try {
    writeFileSync(file, code, { mode: 0o600 });
    const loaded = await loadFunctionModules([file]);
    if (!loaded.ok) throw new BundleError("load_failed", `${path} bundled, but does not load: ${loaded.error.message.replaceAll(file, `the bundle of ${path}`)}`);
    const names = loaded.byFile.get(file) ?? [];
    if (names.length === 0) throw new BundleError("no_functions", `${path} defines no function (export defineFunction(...) results or a defineFunctions(...) registry)`);
    return names.map((name) => ({ ...(loaded.registry.get(name)?.meta as FunctionMeta), codeHash: shippedCodeHash(name, hash) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function refuseNative(found: string[]): Plugin {
  const checked = new Map<string, string | undefined>();
  return {
    name: "handoff-refuse-native",
    setup(builder) {
      builder.onLoad({ filter: /.*/ }, (args) => {
        if (args.path.endsWith(".node")) {
          found.push(`${args.path} is a compiled addon`);
          return { errors: [{ text: `native addon ${args.path}` }] };
        }
        const root = packageRoot(args.path);
        if (root === undefined) return undefined;
        if (!checked.has(root)) checked.set(root, nativePackageProblem(root));
        const problem = checked.get(root);
        if (problem === undefined) return undefined;
        found.push(problem);
        return { errors: [{ text: problem }] };
      });
    },
  };
}

/** The folder of the installed package a file belongs to (the nearest `node_modules/<name>` or `node_modules/@scope/<name>`). */
function packageRoot(file: string): string | undefined {
  const marker = `${sep}node_modules${sep}`;
  const at = file.lastIndexOf(marker);
  if (at === -1) return undefined;
  const rest = file.slice(at + marker.length).split(sep);
  const parts = rest[0]?.startsWith("@") ? rest.slice(0, 2) : rest.slice(0, 1);
  return file.slice(0, at + marker.length) + parts.join(sep);
}

function nativePackageProblem(root: string): string | undefined {
  let manifest: { name?: string; gypfile?: boolean; dependencies?: Record<string, string> } = {};
  try {
    manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as typeof manifest;
  } catch {
    return undefined;
  }
  const name = manifest.name ?? basename(root);
  if (manifest.gypfile === true || existsSync(join(root, "binding.gyp"))) return `package "${name}" builds a native addon (node-gyp)`;
  const helper = NATIVE_HELPERS.find((dependency) => manifest.dependencies?.[dependency] !== undefined);
  if (helper !== undefined) return `package "${name}" loads a native addon (it depends on ${helper})`;
  return undefined;
}
