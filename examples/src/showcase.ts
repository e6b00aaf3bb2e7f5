import { z } from "zod";
import { Dag, NonRetryableError, defineFunction, defineFunctions, defineTransform, edge } from "@handoff/sdk";

/**
 * The functions of the fan-out/fan-in, edge-transform and pinning examples: small, deterministic, and offered by
 * the local agent of `npm start` (it loads this folder's modules) next to the word count's.
 */
function numbers(name: string, value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "number" && Number.isFinite(item))) throw new NonRetryableError(`${name}: expected a list of numbers`);
  return value as number[];
}

export const sumOfSquares = defineFunction({
  name: "examples.sum_of_squares",
  description: "Adds the squares of every count-th number, starting at index (one share of a fan-out)",
  inputs: { kind: "named", names: ["values"] },
  params: z.tuple([
    z.number().int().nonnegative().meta({ title: "index", description: "which share, from 0" }),
    z.number().int().positive().meta({ title: "count", description: "how many shares" }),
    z.number().int().min(0).max(60_000).optional().meta({ title: "delay ms", description: "wait first, to watch the shares run side by side" }),
  ]),
  returns: z.number(),
  run: async (values: unknown, index: number, count: number, delayMs: number = 0) => {
    if (!Number.isInteger(index) || !Number.isInteger(count) || count < 1) throw new NonRetryableError("examples.sum_of_squares: index and count must be integers, count ≥ 1");
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(delayMs, 60_000)));
    return numbers("examples.sum_of_squares", values).filter((_, position) => position % count === index).reduce((sum, value) => sum + value * value, 0);
  },
});

export const stats = defineFunction({
  name: "examples.stats",
  description: "Count, sum, min, max and mean of a list of numbers",
  inputs: { kind: "named", names: ["values"] },
  run: (values: unknown) => {
    const list = numbers("examples.stats", values);
    const sum = list.reduce((total, value) => total + value, 0);
    return { count: list.length, sum, min: Math.min(...list), max: Math.max(...list), mean: list.length === 0 ? 0 : sum / list.length };
  },
});

export const scale = defineTransform({
  name: "examples.scale",
  description: "Edge transform: multiplies a number by factor",
  params: z.tuple([z.number().meta({ title: "factor" })]),
  run: (value: unknown, _source: string, _target: string, factor: unknown) => {
    if (typeof value !== "number" || typeof factor !== "number") throw new NonRetryableError("examples.scale: expects a number and a numeric factor");
    return value * factor;
  },
});

export const checksum = defineFunction({
  name: "examples.checksum",
  description: "A 32-bit FNV-1a checksum of bytes, as hex",
  inputs: { kind: "named", names: ["bytes"] },
  run: (bytes: unknown) => {
    if (!(bytes instanceof Uint8Array)) throw new NonRetryableError("examples.checksum: expected bytes");
    let hash = 0x811c9dc5;
    for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
    return hash.toString(16).padStart(8, "0");
  },
});

export const showcaseFunctions = defineFunctions(sumOfSquares, stats, scale, checksum);

/** One producer, four consumers working side by side (fan-out), one task adding their results (fan-in). */
export function fanOutFanInDag(): Dag {
  const dag = new Dag("fan-out-fan-in", { description: "Fan-out and fan-in: four tasks each square a share of the numbers side by side, one adds them up (650)" });
  dag.addTask({ id: "numbers", fn: "std.constant", extraArgs: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]] });
  const shares = [0, 1, 2, 3].map((index) => `share${index}`);
  shares.forEach((id, index) => dag.addTask({ id, fn: "examples.sum_of_squares", args: ["numbers"], extraArgs: [index, shares.length, 1500] }));
  dag.addTask({ id: "total", fn: "std.sum", args: shares.map((id) => edge(id)), argumentInclusion: "as_list" });
  return dag;
}

/** Functions on edges: `encode` runs where the value is, `decode` where it is consumed. */
export function edgeTransformsDag(): Dag {
  const dag = new Dag("edge-transforms", { description: "Edge transforms: std.pick keeps one field on the producer's machine (only it travels), examples.scale doubles it on the consumer's" });
  dag.addTask({ id: "numbers", fn: "std.constant", extraArgs: [[3, 1, 4, 1, 5, 9, 2, 6]] });
  dag.addTask({ id: "stats", fn: "examples.stats", args: ["numbers"] });
  dag.addTask({ id: "max_doubled", fn: "std.identity", args: [edge("stats", { encode: { fn: "std.pick", args: ["max"] }, decode: { fn: "examples.scale", args: [2] } })] });
  dag.addTask({ id: "mean", fn: "std.identity", args: [edge("stats", { encode: { fn: "std.pick", args: ["mean"] } })] });
  return dag;
}

/** The machine `pinning.dag.json` pins to: the in-process executor's name; the dashboard puts the cluster's local machine in its place. */
export const PINNED_EXAMPLE_MACHINE = "local";

/** A task pinned to one machine, and two kept with it (collocated) so its megabyte never travels. */
export function pinningDag(): Dag {
  const dag = new Dag("pinning", { description: `Pinning and collocation: "data" is pinned to the machine "${PINNED_EXAMPLE_MACHINE}" (the dashboard pins it to your local machine), "size" and "checksum" run beside it` });
  dag.addTask({ id: "data", fn: "std.bytes", extraArgs: [1_048_576, 7], placement: { kind: "pinned", machine: PINNED_EXAMPLE_MACHINE } });
  dag.addTask({ id: "size", fn: "std.length", args: ["data"], placement: { kind: "collocated", with: "data" } });
  dag.addTask({ id: "checksum", fn: "examples.checksum", args: ["data"], placement: { kind: "collocated", with: "data" } });
  return dag;
}
