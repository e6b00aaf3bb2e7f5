import { createHash } from "node:crypto";
import type { MachineName, Resources } from "@handoff/core";
import { FunctionMeta, formatIssues, functionNamespace, type FunctionInputs } from "@handoff/protocol";
import { z } from "zod";
import { FunctionRegistry } from "./function-registry.ts";
import type { HandoffFunction } from "./handoff-function.ts";

export { FunctionRegistry };
export type { HandoffFunction };

export interface DefineFunctionOptions<Args extends unknown[]> {
  /** Dotted name, e.g. `image.resize`; the text before the last dot is its namespace. */
  readonly name: string;
  readonly description?: string;
  /**
   * How it takes its dependencies' results (default: any number of them, each whole). `as` delivers an input as a
   * Node `Readable` of its bytes (`"stream"`) or a read-only file's path (`"path"`) instead: the only way to take a
   * value larger than memory. `run` may return a stream of bytes too (an async iterable of `Uint8Array`, such as a
   * `Readable` or an async generator): an agent writes it to its store chunk by chunk.
   * @example { kind: "named", names: ["video"], as: { video: "stream" } }
   */
  readonly inputs?: FunctionInputs;
  /** A zod schema for the extra args (a tuple or an object); published as JSON Schema. Give each a title: `z.number().meta({ title: "width" })`. */
  readonly params?: z.ZodType;
  /** A zod schema of what it returns; published as JSON Schema (documentation for the catalogue, not enforced). */
  readonly returns?: z.ZodType;
  readonly defaultCost?: Resources;
  readonly run: (...args: Args) => unknown;
}

export interface DefineTransformOptions<Value, StaticArgs extends unknown[]> {
  readonly name: string;
  readonly description?: string;
  /** A zod schema for the static args that follow the value and the two machine names. */
  readonly params?: z.ZodType;
  readonly defaultCost?: Resources;
  readonly run: (value: Value, sourceMachine: MachineName, targetMachine: MachineName, ...staticArgs: StaticArgs) => unknown;
}

/**
 * Declares a function tasks can run. `meta.codeHash` is a SHA-256 of the name and `run`'s source, so
 * the server can tell two agents offering different code under one name apart.
 * @example
 * export const resize = defineFunction({
 *   name: "image.resize",
 *   inputs: { kind: "named", names: ["image"] },
 *   params: z.tuple([z.number().int().positive()]),
 *   defaultCost: { cpu: 1 },
 *   run: async (image: Uint8Array, width: number) => shrink(image, width),
 * });
 */
export function defineFunction<Args extends unknown[]>(options: DefineFunctionOptions<Args>): HandoffFunction {
  return build(options, options.inputs ?? { kind: "variadic" }, "function");
}

/**
 * Declares an edge transform: called `(value, sourceMachine, targetMachine, ...staticArgs)`, on the
 * producer's machine as an `encode` step or on the consumer's as a `decode` step.
 * @example
 * const gzipAcross = defineTransform({
 *   name: "codec.gzip_across",
 *   run: (value: Uint8Array, from: string, to: string) => (from === to ? value : gzipSync(value)),
 * });
 */
export function defineTransform<Value, StaticArgs extends unknown[]>(options: DefineTransformOptions<Value, StaticArgs>): HandoffFunction {
  return build(options, { kind: "named", names: ["value"] }, "transform");
}

/** Gathers functions into a registry; throws `DuplicateFunctionError` if two differ under one name. */
export function defineFunctions(...functions: HandoffFunction[]): FunctionRegistry {
  return new FunctionRegistry(functions);
}

interface CommonOptions {
  readonly name: string;
  readonly description?: string;
  readonly params?: z.ZodType;
  readonly returns?: z.ZodType;
  readonly defaultCost?: Resources;
  readonly run: (...args: never[]) => unknown;
}

function build(options: CommonOptions, inputs: FunctionInputs, kind: "function" | "transform"): HandoffFunction {
  const draft = {
    name: options.name,
    ...(options.description === undefined ? {} : { description: options.description }),
    namespace: functionNamespace(options.name),
    inputs,
    ...(options.params === undefined ? {} : { params: paramsSchema(options.name, options.params, "params") }),
    ...(options.returns === undefined ? {} : { returns: paramsSchema(options.name, options.returns, "returns") }),
    ...(options.defaultCost === undefined ? {} : { defaultCost: { ...options.defaultCost } }),
    codeHash: codeHash(options.name, options.run),
    kind,
  };
  const parsed = FunctionMeta.safeParse(draft);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues, draft).map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`));
    throw new TypeError(`cannot define function ${JSON.stringify(options.name)}: ${problems.join("; ")}`);
  }
  return {
    meta: parsed.data,
    run: options.run as (...args: unknown[]) => unknown,
    ...(options.params === undefined ? {} : { params: options.params }),
  };
}

function paramsSchema(name: string, schema: z.ZodType, what: "params" | "returns"): Record<string, unknown> {
  try {
    return z.toJSONSchema(schema, { io: what === "params" ? "input" : "output" }) as Record<string, unknown>;
  } catch (error) {
    throw new TypeError(`cannot define function ${JSON.stringify(name)}: its ${what} cannot be written as JSON Schema (${(error as Error).message})`);
  }
}

function codeHash(name: string, run: (...args: never[]) => unknown): string {
  return createHash("sha256").update(name).update("\0").update(run.toString()).digest("hex");
}
