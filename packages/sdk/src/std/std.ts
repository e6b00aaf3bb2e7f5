import { z } from "zod";
import { findCurrentTask } from "../current-task.ts";
import { defineFunction, defineTransform } from "../define-function.ts";
import { NonRetryableError } from "../non-retryable-error.ts";

/** Numbers given one by one (variadic) or as lists (as_list), flattened one level. */
function numbersOf(fnName: string, args: readonly unknown[]): number[] {
  const out: number[] = [];
  args.forEach((arg, index) => {
    const items = Array.isArray(arg) ? (arg as unknown[]) : [arg];
    for (const item of items) {
      if (typeof item !== "number") {
        throw new NonRetryableError(`${fnName}: argument ${index + 1} contains ${describe(item)}, expected numbers or lists of numbers`);
      }
      out.push(item);
    }
  });
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "bytes";
  return `a ${typeof value}`;
}

type Parts =
  | { kind: "strings"; parts: readonly string[] }
  | { kind: "arrays"; parts: readonly unknown[][] }
  | { kind: "bytes"; parts: readonly Uint8Array[] };

function partsOf(args: readonly unknown[]): Parts {
  const [only] = args;
  // A single list of strings/arrays/bytes is the as_list form: its elements are the parts.
  const candidates =
    args.length === 1 && Array.isArray(only) && only.length > 0 && (only as unknown[]).every((p) => typeof p === "string" || Array.isArray(p) || p instanceof Uint8Array)
      ? (only as unknown[])
      : args;
  if (candidates.every((p): p is string => typeof p === "string")) return { kind: "strings", parts: candidates };
  if (candidates.every((p): p is unknown[] => Array.isArray(p))) return { kind: "arrays", parts: candidates };
  if (candidates.every((p): p is Uint8Array => p instanceof Uint8Array)) return { kind: "bytes", parts: candidates };
  throw new NonRetryableError(`std.concat: expected only strings, only arrays or only bytes, got ${candidates.map(describe).join(", ")}`);
}

/** mulberry32: small, fast, and the same bytes for the same seed everywhere. */
function pseudoRandomBytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let state = seed >>> 0;
  for (let i = 0; i < size; i += 4) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const word = (t ^ (t >>> 14)) >>> 0;
    for (let b = 0; b < 4 && i + b < size; b++) out[i + b] = (word >>> (8 * b)) & 0xff;
  }
  return out;
}

function sleepFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The standard library every agent offers. A function that refuses its arguments throws `NonRetryableError`:
 * the same arguments would be refused again, so the task fails at once instead of retrying. Each entry is a `HandoffFunction`; `stdFunctions` is the
 * same set as a registry.
 */
export const std = {
  /** Its one input, unchanged (for a source of a fixed value use `std.constant`). */
  identity: defineFunction({
    name: "std.identity",
    description: "Returns its first argument unchanged.",
    inputs: { kind: "named", names: ["value"] },
    run: (value: unknown) => value,
  }),

  /** Its first extra argument; give it no inputs. */
  constant: defineFunction({
    name: "std.constant",
    description: "Returns its first extra argument (use it without inputs).",
    inputs: { kind: "named", names: [] },
    params: z.tuple([z.unknown().meta({ title: "value", description: "what the task returns" })]),
    run: (...extra: unknown[]) => {
      if (extra.length === 0) throw new NonRetryableError("std.constant: needs one extra argument, the value to return");
      return extra[0];
    },
  }),

  /** The sum of numbers given one by one or as lists (works with `variadic` and `as_list`). */
  sum: defineFunction({
    name: "std.sum",
    description: "Adds numbers, given one by one or as lists.",
    inputs: { kind: "variadic", description: "numbers or lists of numbers" },
    params: z.array(z.union([z.number(), z.array(z.number())]).meta({ title: "number" })).meta({ title: "more numbers" }),
    returns: z.number(),
    run: (...args: unknown[]) => numbersOf("std.sum", args).reduce((a, b) => a + b, 0),
  }),

  /** The product of numbers given one by one or as lists. */
  multiply: defineFunction({
    name: "std.multiply",
    description: "Multiplies numbers, given one by one or as lists.",
    inputs: { kind: "variadic", description: "numbers or lists of numbers" },
    params: z.array(z.union([z.number(), z.array(z.number())]).meta({ title: "number" })).meta({ title: "more numbers" }),
    returns: z.number(),
    run: (...args: unknown[]) => numbersOf("std.multiply", args).reduce((a, b) => a * b, 1),
  }),

  /**
   * Joins strings, concatenates arrays, or concatenates byte arrays. A single list whose items are
   * strings/arrays/bytes is read as the list of parts (the `as_list` form); no parts gives `""`.
   */
  concat: defineFunction({
    name: "std.concat",
    description: "Joins strings, arrays or byte arrays, given one by one or as a list.",
    inputs: { kind: "variadic", description: "strings, arrays or byte arrays" },
    run: (...args: unknown[]) => {
      const parts = partsOf(args);
      switch (parts.kind) {
        case "strings":
          return parts.parts.join("");
        case "arrays":
          return parts.parts.flat(1);
        case "bytes": {
          const out = new Uint8Array(parts.parts.reduce((n, p) => n + p.byteLength, 0));
          let offset = 0;
          for (const part of parts.parts) {
            out.set(part, offset);
            offset += part.byteLength;
          }
          return out;
        }
      }
    },
  }),

  /** Waits `ms`, then returns `value`; stops at once when the task is cancelled or times out. */
  sleep: defineFunction({
    name: "std.sleep",
    description: "Waits ms milliseconds, then returns value (honours cancellation).",
    inputs: { kind: "named", names: [] },
    params: z.tuple([z.number().nonnegative().meta({ title: "ms", description: "milliseconds to wait" }), z.unknown().optional().meta({ title: "value", description: "returned after the wait" })]),
    run: async (ms: unknown, value?: unknown) => {
      if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) throw new NonRetryableError(`std.sleep: ms must be a number ≥ 0, got ${describe(ms)}`);
      await sleepFor(ms, findCurrentTask()?.signal);
      return value;
    },
  }),

  /** Always throws `message` (for testing retries and failure handling). */
  fail: defineFunction({
    name: "std.fail",
    description: "Always throws an error with the given message.",
    inputs: { kind: "named", names: [] },
    params: z.tuple([z.string().optional().meta({ title: "message" })]),
    run: (message?: unknown): never => {
      throw new Error(message === undefined ? "std.fail was called" : typeof message === "string" ? message : JSON.stringify(message));
    },
  }),

  /** `size` pseudo-random bytes, the same for the same `seed` (default 0) on every machine. */
  bytes: defineFunction({
    name: "std.bytes",
    description: "Makes size deterministic pseudo-random bytes from seed.",
    inputs: { kind: "named", names: [] },
    params: z.tuple([z.number().int().nonnegative().meta({ title: "size", description: "bytes" }), z.number().int().optional().meta({ title: "seed" })]),
    run: (size: unknown, seed: unknown = 0) => {
      if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw new NonRetryableError(`std.bytes: size must be an integer ≥ 0, got ${String(size)}`);
      if (typeof seed !== "number" || !Number.isInteger(seed)) throw new NonRetryableError(`std.bytes: seed must be an integer, got ${String(seed)}`);
      return pseudoRandomBytes(size, seed);
    },
  }),

  /** The length of a string (UTF-16 units), an array or a byte array. */
  length: defineFunction({
    name: "std.length",
    description: "Length of a string, array or byte array.",
    inputs: { kind: "named", names: ["value"] },
    run: (value: unknown) => {
      if (typeof value === "string" || Array.isArray(value)) return value.length;
      if (value instanceof Uint8Array) return value.byteLength;
      throw new NonRetryableError(`std.length: expected a string, an array or bytes, got ${describe(value)}`);
    },
  }),

  /** Edge transform that passes the value through unchanged. */
  identity_edge: defineTransform({
    name: "std.identity_edge",
    description: "Passes the value through unchanged.",
    run: (value: unknown) => value,
  }),

  /** Edge transform that keeps only `value[key]` (an object field or an array/bytes index), on the producer's machine. */
  pick: defineTransform({
    name: "std.pick",
    description: "Keeps only value[key] (field name or index).",
    params: z.tuple([z.union([z.string(), z.number().int()]).meta({ title: "key", description: "field name or index" })]),
    run: (value: unknown, _source: string, _target: string, key: unknown) => {
      if (typeof key !== "string" && typeof key !== "number") throw new NonRetryableError(`std.pick: key must be a string or a number, got ${describe(key)}`);
      if ((Array.isArray(value) || value instanceof Uint8Array) && typeof key === "number") {
        if (Number.isInteger(key) && key >= 0 && key < value.length) return (value as ArrayLike<unknown>)[key];
      } else if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.prototype.hasOwnProperty.call(value, key)) {
        return (value as Record<string, unknown>)[key];
      }
      throw new NonRetryableError(`std.pick: ${JSON.stringify(key)} is not in the value (${describe(value)})`);
    },
  }),
} as const;
