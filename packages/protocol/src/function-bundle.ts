import { z } from "zod";
import { FunctionMeta } from "./function-meta.ts";

/**
 * A function bundle (issue #17): one ES module an admin pushed, bundled with its imports, stored by the server under
 * the SHA-256 of its bytes and loaded by the agents that allow fetching. The server never runs it.
 */

/**
 * A bundle's size at most (bytes of its UTF-8 code): 12 MiB, so that pushed as a JSON string (with its escapes and
 * catalogue) it fits the server's 16 MiB limit for large bodies (`HANDOFF_MAX_DAG_BYTES`).
 */
export const MAX_BUNDLE_BYTES = 12 * 1024 * 1024;
/** Functions one bundle may define at most. */
export const MAX_BUNDLE_FUNCTIONS = 1000;
/** A bundle's hash: SHA-256 in lowercase hex. */
export const BundleHash = z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 in lowercase hex (64 digits)");

/** The pushed file's name, for people (no folders: the server never treats it as a path). */
export const BundleSource = z
  .string()
  .min(1, "must not be empty")
  .max(200)
  .regex(/^[\w.@+-]+$/, "must be a file name (letters, digits, _ . @ + -), without folders");

/**
 * What a bundle defines, as the pushing client computed it by loading the bundle on its own machine: each function's
 * metadata with `codeHash` = `shippedCodeHash(name, bundleHash)`; names unique. The server checks the shape and the
 * hashes (it cannot check the rest without running the code; an agent announces what it really loaded).
 */
export const BundleCatalogue = z
  .array(FunctionMeta)
  .min(1, "defines no function (export defineFunction(...) results or a defineFunctions(...) registry)")
  .max(MAX_BUNDLE_FUNCTIONS)
  .superRefine((functions, ctx) => {
    const seen = new Set<string>();
    functions.forEach((fn, index) => {
      if (seen.has(fn.name)) ctx.addIssue({ code: "custom", path: [index, "name"], message: `"${fn.name}" is defined twice` });
      seen.add(fn.name);
    });
  });
export type BundleCatalogue = z.infer<typeof BundleCatalogue>;

/** A bundle a run needs on a machine: its hash and the functions to take from it (newer bundles may define the rest). */
export const BundleWant = z.object({ hash: BundleHash, names: z.array(z.string().min(1).max(200)).min(1).max(MAX_BUNDLE_FUNCTIONS) });
export type BundleWant = z.infer<typeof BundleWant>;
