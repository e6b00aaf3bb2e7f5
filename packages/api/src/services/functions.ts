import type { FunctionBundleMeta } from "@handoff/db";
import type { BundleCatalogue, FunctionMeta } from "@handoff/protocol";

/** What one machine offers of the functions shipped in bundles, for the cluster page's matrix. */
export interface MachineFunctions {
  readonly name: string;
  readonly status: "online" | "offline" | "draining";
  /** Its agent loads shipped bundles (`--fetch-functions`). */
  readonly fetchesFunctions: boolean;
  readonly functions: readonly Pick<FunctionMeta, "name" | "codeHash">[];
}

/**
 * Function bundles (issue #17): admins push a bundled module with the catalogue their machine computed; the server
 * stores it by the SHA-256 of its code and never runs it. The router checks the input; this stores and reads.
 */
export interface FunctionsService {
  /** Stores a checked bundle under `hash`; pushing the same bytes again changes nothing (`created: false`). */
  push(bundle: { hash: string; code: string; catalogue: BundleCatalogue; source: string }, by: string | null): Promise<{ readonly created: boolean }>;
  /** Pushed bundles, newest first (at most `limit`). */
  list(limit: number): Promise<FunctionBundleMeta[]>;
  /** Every known machine with what it offers now. */
  machines(): MachineFunctions[];
}

/** The version of a function a run ships: from the newest pushed bundle that defines its name. */
export interface ShippedVersion {
  readonly hash: string;
  readonly codeHash: string;
  readonly source: string;
}

/**
 * Which bundle each function name ships from: the newest one defining it (bundles come newest first).
 * @example currentVersions(await functions.list(1000)).get("text.shout")?.hash
 */
export function currentVersions(bundles: readonly FunctionBundleMeta[]): Map<string, ShippedVersion> {
  const current = new Map<string, ShippedVersion>();
  for (const bundle of bundles) {
    for (const fn of bundle.catalogue as FunctionMeta[]) {
      if (!current.has(fn.name)) current.set(fn.name, { hash: bundle.hash, codeHash: fn.codeHash, source: bundle.source });
    }
  }
  return current;
}
