import { evaluateCall as evaluate, type FunctionRegistry } from "@handoff/sdk";
import type { AttemptCall, ResolvedInput } from "./worker-messages.ts";

/**
 * Evaluates an attempt with the SDK's one evaluator (as `executeLocal` does): a fetched value comes from its
 * producer's machine, inline tasks run here. `machine` is this machine: the target of every edge.
 */
export async function evaluateCall(registry: FunctionRegistry, machine: string, call: AttemptCall): Promise<unknown> {
  return await evaluate<Extract<ResolvedInput, { kind: "value" }>>({ registry, machine, leaf: (input) => ({ value: input.value, source: input.source }) }, call);
}
