import { callFunction, type FunctionRegistry } from "@handoff/sdk";
import type { AttemptCall, EdgeTransform, ResolvedInput } from "./worker-messages.ts";

/**
 * Evaluates an attempt the way `executeLocal` does: each input in order (inline tasks called with their own inputs,
 * then the edge's encode and decode transforms as `(value, sourceMachine, targetMachine, ...args)`), then the
 * task's function with `args` leading and `extraArgs` following, or `args` packed into one list for `as_list`.
 * `machine` is this machine: the target of every edge, and the source of inline tasks (evaluated here).
 */
export async function evaluateCall(registry: FunctionRegistry, machine: string, call: AttemptCall): Promise<unknown> {
  const args = await evaluateInputs(registry, machine, call.inputs);
  return callFunction(registry, call.fn, args, call.extraArgs, call.argumentInclusion);
}

function evaluateInputs(registry: FunctionRegistry, machine: string, inputs: readonly ResolvedInput[]): Promise<unknown[]> {
  return Promise.all(inputs.map((input) => evaluateInput(registry, machine, input)));
}

async function evaluateInput(registry: FunctionRegistry, machine: string, input: ResolvedInput): Promise<unknown> {
  let value: unknown;
  let source: string;
  switch (input.kind) {
    case "value":
      value = input.value;
      source = input.source;
      break;
    case "inline": {
      const args = await evaluateInputs(registry, machine, input.inputs);
      value = await callFunction(registry, input.fn, args, input.extraArgs, input.argumentInclusion);
      source = machine;
      break;
    }
  }
  for (const transform of [input.encode, input.decode]) {
    if (transform !== undefined) value = await callTransform(registry, transform, value, source, machine);
  }
  return value;
}

/** Calls an edge transform `fn(value, sourceMachine, targetMachine, ...args)`. */
export function callTransform(registry: FunctionRegistry, transform: EdgeTransform, value: unknown, source: string, target: string): unknown {
  const fn = registry.get(transform.fn);
  if (fn === undefined) throw new Error(`function "${transform.fn}" is not registered on this machine`);
  return fn.run(value, source, target, ...(transform.args ?? []));
}
