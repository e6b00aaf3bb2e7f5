import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FunctionMeta, FunctionsLoad, FunctionsLoadReply } from "@handoff/protocol";
import { bundleHash } from "@handoff/protocol/function-bundle-hash";
import type { ShippedModule } from "./load-modules.ts";

export type ShippedFunctionsOptions = {
  /** Where bundles are cached (`<data dir>/functions`, 0700; each file 0600, named by its hash). */
  readonly dir: string;
  /** The modules from the agent's own disk, loaded before any bundle (a bundle may not redefine their functions). */
  readonly localModules: readonly string[];
  /** Loads a module set in the executor and answers the new catalogue (rejects when a module fails). */
  readonly reload: (modules: readonly (string | ShippedModule)[]) => Promise<readonly FunctionMeta[]>;
  /** The bundle's code from the server, over the agent's authenticated socket. */
  readonly fetchBundle: (hash: string) => Promise<{ ok: true; code: string } | { ok: false; message: string }>;
  readonly log: (level: "info" | "warn" | "error", message: string) => void;
};

/**
 * The functions this agent takes from bundles the server ships (`--fetch-functions`, issue #17). For each wanted
 * bundle: the cached file when its bytes still hash to its name, else the server's copy — refused unless its SHA-256
 * is the hash asked for — then every worker loads the new set. Each function name comes from the bundle that last
 * asked for it. One load at a time.
 * @example
 * const shipped = createShippedFunctions({ dir, localModules: [], reload: executor.reload, fetchBundle, log });
 * await shipped.load({ v: 1, bundles: [{ hash, names: ["text.shout"] }] }); // { ok: true, functions: [...] }
 */
export function createShippedFunctions(options: ShippedFunctionsOptions) {
  let chosen = new Map<string, string>(); // function name → bundle hash
  let queue: Promise<unknown> = Promise.resolve();
  let isDirReady = false;

  const cachedFile = async (hash: string): Promise<{ ok: true; file: string } | { ok: false; message: string }> => {
    if (!isDirReady) {
      // Private once per process (mkdir's mode does not change a folder that already exists).
      mkdirSync(options.dir, { recursive: true, mode: 0o700 });
      chmodSync(options.dir, 0o700);
      isDirReady = true;
    }
    const file = join(options.dir, `${hash}.mjs`);
    if (existsSync(file)) {
      if (bundleHash(readFileSync(file)) === hash) return { ok: true, file };
      options.log("warn", `cached function bundle ${hash} no longer matches its hash; fetching it again`);
      rmSync(file, { force: true });
    }
    const fetched = await options.fetchBundle(hash);
    if (!fetched.ok) return { ok: false, message: `function bundle ${hash}: ${fetched.message}` };
    const got = bundleHash(fetched.code);
    if (got !== hash) return { ok: false, message: `function bundle ${hash} refused: its bytes hash to ${got}` };
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, fetched.code, { mode: 0o600 });
    renameSync(partial, file);
    return { ok: true, file };
  };

  const modulesFor = (names: ReadonlyMap<string, string>): (string | ShippedModule)[] => {
    const byBundle = new Map<string, string[]>();
    for (const [name, hash] of names) byBundle.set(hash, [...(byBundle.get(hash) ?? []), name]);
    const shipped = [...byBundle].map(([hash, grouped]) => ({ file: join(options.dir, `${hash}.mjs`), hash, names: grouped.sort() }));
    return [...options.localModules, ...shipped];
  };

  // A refused load drops the names asked for (an older version of them would run in place of the shipped one).
  const refuse = async (request: FunctionsLoad, message: string): Promise<FunctionsLoadReply> => {
    options.log("error", `function bundles refused: ${message}`);
    const asked = new Set(request.bundles.flatMap((want) => want.names));
    const kept = new Map([...chosen].filter(([name]) => !asked.has(name)));
    if (kept.size !== chosen.size) {
      try {
        const functions = await options.reload(modulesFor(kept));
        chosen = kept;
        return { ok: true, functions: [...functions], refused: message };
      } catch (error) {
        options.log("error", `could not unload the older versions: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { ok: false, error: { kind: "refused", message } };
  };

  const load = async (request: FunctionsLoad): Promise<FunctionsLoadReply> => {
    for (const want of request.bundles) {
      const cached = await cachedFile(want.hash);
      if (!cached.ok) return refuse(request, cached.message);
    }
    const next = new Map(chosen);
    for (const want of request.bundles) for (const name of want.names) next.set(name, want.hash);
    try {
      const functions = await options.reload(modulesFor(next));
      chosen = next;
      options.log("info", `loaded function bundles ${request.bundles.map((want) => want.hash.slice(0, 12)).join(", ")} (${functions.length} functions offered)`);
      return { ok: true, functions: [...functions] };
    } catch (error) {
      return refuse(request, error instanceof Error ? error.message : String(error));
    }
  };

  return {
    load(request: FunctionsLoad): Promise<FunctionsLoadReply> {
      const done = queue.then(() => load(request));
      queue = done.catch(() => undefined);
      return done;
    },
  };
}
