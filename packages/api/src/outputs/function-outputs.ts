import { z } from "zod";
import { FunctionMeta } from "@handoff/protocol";
import { IsoDateTime } from "./shared-outputs.ts";

/** The answer to `functions.push`: the bundle's hash (the server's own SHA-256 of the code) and what it defines. */
export const PushedBundleOut = z.object({
  hash: z.string().describe("SHA-256 of the bundle's code, hex"),
  created: z.boolean().describe("false when these exact bytes were pushed before"),
  size: z.number().int().describe("bytes of code"),
  functions: z.array(z.object({ name: z.string(), codeHash: z.string() })),
});

/** One pushed bundle (never its code). */
export const BundleOut = z.object({
  hash: z.string(),
  size: z.number().int(),
  source: z.string().describe("the pushed file's name"),
  createdAt: IsoDateTime,
  createdBy: z.string().nullable(),
  functions: z.array(z.object({ fn: FunctionMeta, current: z.boolean().describe("the version a run ships now (the newest bundle defining the name)") })),
});

/** What one machine offers of one function. */
export const FunctionCellOut = z.object({
  machine: z.string(),
  codeHash: z.string().nullable().describe("the code hash it offers, null when it offers none"),
  state: z.enum(["current", "other", "missing", "fetchable"]).describe("current: the shipped version; other: different code under the name; missing: not offered; fetchable: not offered yet, its agent loads the shipped version when a run needs it"),
});

/** The function × machine matrix of the cluster page. */
export const FunctionVersionsOut = z.object({
  machines: z.array(z.object({ name: z.string(), status: z.enum(["online", "offline", "draining"]), fetchesFunctions: z.boolean() })),
  functions: z.array(
    z.object({
      name: z.string(),
      shipped: z.object({ hash: z.string(), codeHash: z.string(), source: z.string() }).nullable().describe("the newest pushed bundle defining it, if any"),
      machines: z.array(FunctionCellOut),
      mismatched: z.boolean().describe("machines offer different code under this name"),
    }),
  ),
});
