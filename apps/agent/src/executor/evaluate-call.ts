import { evaluateCall as evaluate, type FunctionRegistry } from "@handoff/sdk";
import { openStoredInput } from "./byte-streams.ts";
import type { AttemptCall, ResolvedInput } from "./worker-messages.ts";

type Leaf = Extract<ResolvedInput, { kind: "value" | "stored" }>;

/**
 * Evaluates an attempt with the SDK's one evaluator (as `executeLocal` does): a fetched value comes from its
 * producer's machine, inline tasks run here; an input the function takes as a stream or a file is opened here.
 * `machine` is this machine: the target of every edge.
 */
export async function evaluateCall(registry: FunctionRegistry, machine: string, call: AttemptCall): Promise<unknown> {
  return await evaluate<Leaf>({ registry, machine, leaf: (input) => ({ value: input.kind === "stored" ? openStoredInput(input) : input.value, source: input.source }) }, call);
}
