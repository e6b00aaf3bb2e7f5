import type { RunOutcome } from "@handoff/core";
import type { ResultsService } from "./services/results.ts";

/** How `execute(…, { materialize: true })` answered for one task: its value, or a reference and why. */
export type Materialized = { readonly as: "value" } | { readonly as: "reference"; readonly size?: number; readonly reason: string };

/**
 * Brings a succeeded run's results back as values while they fit the API's limit (each value, and all
 * of them together); the others stay references, with their size and the reason. Never refuses the
 * outcome for a value it cannot carry.
 */
export async function materializeResults(
  source: Pick<ResultsService, "value">,
  runId: string,
  outcome: RunOutcome,
  maxBytes: number,
): Promise<RunOutcome & { readonly materialized: Readonly<Record<string, Materialized>> }> {
  const results: Record<string, unknown> = {};
  const materialized: Record<string, Materialized> = {};
  let budget = maxBytes;
  for (const [taskId, reference] of Object.entries(outcome.results)) {
    const got = budget > 0 ? await source.value(runId, taskId, undefined, budget) : undefined;
    if (got?.ok) {
      results[taskId] = got.value.value;
      materialized[taskId] = { as: "value" };
      budget -= got.value.size;
      continue;
    }
    results[taskId] = reference;
    const size = sizeOf(reference);
    const reason = got === undefined ? `the values before it used the API limit of ${maxBytes} bytes` : got.failure.message;
    materialized[taskId] = { as: "reference", reason, ...(size === undefined ? {} : { size }) };
  }
  return { ...outcome, results, materialized };
}

function sizeOf(reference: unknown): number | undefined {
  if (reference === null || typeof reference !== "object" || !("size" in reference)) return undefined;
  return typeof reference.size === "number" ? reference.size : undefined;
}
