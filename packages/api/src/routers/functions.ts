import { BundleCatalogue, BundleSource, MAX_BUNDLE_BYTES } from "@handoff/protocol";
import { bundleHash, shippedCodeHash } from "@handoff/protocol/function-bundle-hash";
import { z } from "zod";
import { BundleOut, FunctionVersionsOut, PushedBundleOut } from "../outputs/function-outputs.ts";
import { AuditKind } from "../services/audit.ts";
import { currentVersions, type MachineFunctions } from "../services/functions.ts";
import { ApiError, adminProcedure, router, userProcedure } from "../trpc.ts";

/** Bundles listed at most (and read to find each function's current version). */
export const MAX_LISTED_BUNDLES = 1000;

/** What refuses a bundle that loads native code: a `.node` addon or the helpers that find one. */
const NATIVE_CODE = /(["'`][^"'`\n]*\.node["'`])|process\.dlopen|\bnode-gyp-build\b|\brequire\(\s*["'`]bindings["'`]\s*\)/;

export const functionsRouter = router({
  /**
   * Stores a bundled function module (admins). The client bundled it and computed its catalogue by loading it on its
   * own machine; the server never runs it: it hashes the code, checks the catalogue's shape and that each `codeHash`
   * is SHA-256(name, NUL, hash), and refuses code that loads native addons.
   */
  push: adminProcedure
    .input(
      z.object({
        source: BundleSource,
        code: z
          .string()
          .min(1, "the bundle is empty")
          .refine((code) => Buffer.byteLength(code, "utf8") <= MAX_BUNDLE_BYTES, `the bundle is larger than ${MAX_BUNDLE_BYTES} bytes`),
        catalogue: BundleCatalogue,
      }),
    )
    .output(PushedBundleOut)
    .mutation(async ({ ctx, input }) => {
      const native = NATIVE_CODE.exec(input.code);
      if (native !== null) {
        throw new ApiError("BAD_REQUEST", `code: the bundle loads native code (${native[0].slice(0, 80)}); native dependencies (.node addons, node-gyp packages) cannot be shipped`);
      }
      const hash = bundleHash(input.code);
      input.catalogue.forEach((fn, index) => {
        const expected = shippedCodeHash(fn.name, hash);
        if (fn.codeHash !== expected) throw new ApiError("BAD_REQUEST", `catalogue[${index}].codeHash: must be ${expected} (SHA-256 of "${fn.name}", NUL, the bundle's hash ${hash})`);
      });
      const catalogue = [...input.catalogue].sort((a, b) => a.name.localeCompare(b.name));
      const { created } = await ctx.functions.push({ hash, code: input.code, catalogue, source: input.source }, ctx.principal.name);
      const size = Buffer.byteLength(input.code, "utf8");
      ctx.audit.record({ kind: AuditKind.FunctionBundlePushed, actor: ctx.principal, ip: ctx.clientAddress, details: { hash, source: input.source, size, functions: catalogue.map((fn) => fn.name), created } });
      return { hash, created, size, functions: catalogue.map((fn) => ({ name: fn.name, codeHash: fn.codeHash })) };
    }),

  /** Pushed bundles, newest first, with the functions each defines (and whether it is the version a run ships now). */
  list: userProcedure.output(z.array(BundleOut)).query(async ({ ctx }) => {
    const bundles = await ctx.functions.list(MAX_LISTED_BUNDLES);
    const current = currentVersions(bundles);
    return bundles.map((bundle) => ({
      hash: bundle.hash,
      size: bundle.size,
      source: bundle.source,
      createdAt: bundle.createdAt.toISOString(),
      createdBy: bundle.createdBy,
      functions: (bundle.catalogue as z.infer<typeof BundleCatalogue>).map((fn) => ({ fn, current: current.get(fn.name)?.hash === bundle.hash })),
    }));
  }),

  /** Which machine offers which version of each function (shipped or from its own disk), and what is missing where. */
  versions: userProcedure.output(FunctionVersionsOut).query(async ({ ctx }) => {
    const current = currentVersions(await ctx.functions.list(MAX_LISTED_BUNDLES));
    return versionMatrix(ctx.functions.machines(), current);
  }),
});

function versionMatrix(machines: readonly MachineFunctions[], current: ReturnType<typeof currentVersions>): z.infer<typeof FunctionVersionsOut> {
  const names = new Set<string>(current.keys());
  for (const machine of machines) for (const fn of machine.functions) if (!fn.name.startsWith("std.")) names.add(fn.name);
  const sorted = [...machines].sort((a, b) => a.name.localeCompare(b.name));
  return {
    machines: sorted.map((machine) => ({ name: machine.name, status: machine.status, fetchesFunctions: machine.fetchesFunctions })),
    functions: [...names].sort().map((name) => {
      const shipped = current.get(name) ?? null;
      const cells = sorted.map((machine) => {
        const codeHash = machine.functions.find((fn) => fn.name === name)?.codeHash ?? null;
        const state =
          codeHash === null ? (shipped !== null && machine.fetchesFunctions ? "fetchable" : "missing") : shipped === null || codeHash === shipped.codeHash ? "current" : "other";
        return { machine: machine.name, codeHash, state } as const;
      });
      const offered = new Set(cells.flatMap((cell) => (cell.codeHash === null ? [] : [cell.codeHash])));
      return { name, shipped, machines: cells, mismatched: offered.size > 1 || cells.some((cell) => cell.state === "other") };
    }),
  };
}
