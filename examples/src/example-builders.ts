import type { Dag } from "@handoff/sdk";
import { wordCountDag } from "./pipeline.ts";
import { edgeTransformsDag, fanOutFanInDag, pinningDag } from "./showcase.ts";

/** Each example DAG file (`examples/<name>.dag.json`) and the builder it is written from. */
export const EXAMPLE_BUILDERS: Readonly<Record<string, () => Dag>> = {
  "word-count": () => wordCountDag(["The quick brown fox jumps over the lazy dog", "The dog sleeps; the fox runs", "A fox, a dog and the moon"]),
  "fan-out-fan-in": fanOutFanInDag,
  "edge-transforms": edgeTransformsDag,
  pinning: pinningDag,
};
