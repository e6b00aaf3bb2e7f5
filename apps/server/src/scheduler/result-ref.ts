import type { ResultReference } from "@handoff/api";

/** What a succeeded attempt leaves behind in the cluster (the API's `ResultReference`): the value stays on `machine`. */
export type ResultRef = ResultReference;

/** A result reference's size in bytes (placement explanations count the input bytes already on a machine). */
export function resultRefBytes(result: unknown): number | undefined {
  return typeof result === "object" && result !== null && "size" in result && typeof result.size === "number" ? result.size : undefined;
}
