import type { ArgumentInclusion } from "@handoff/core";
import type { HandoffFunction } from "./define-function.ts";
import type { FunctionRegistry } from "./function-registry.ts";

/** A function on an edge, called `fn(value, sourceMachine, targetMachine, ...args)`. */
export interface EdgeCall {
  readonly fn: string;
  readonly args?: readonly unknown[] | undefined;
}

/** A task's input where the value itself is at hand (`executeLocal`'s map, an agent's fetched value). */
export interface LeafInput {
  readonly kind: string;
  readonly encode?: EdgeCall | undefined;
  readonly decode?: EdgeCall | undefined;
}

/** An inline task: evaluated inside each consumer, on the consumer's machine, from its own inputs. */
export interface InlineInput<Leaf extends LeafInput> {
  readonly kind: "inline";
  readonly fn: string;
  readonly inputs: readonly (Leaf | InlineInput<Leaf>)[];
  readonly extraArgs: readonly unknown[];
  readonly argumentInclusion: ArgumentInclusion;
  readonly encode?: EdgeCall | undefined;
  readonly decode?: EdgeCall | undefined;
}

export interface InputEvaluation<Leaf extends LeafInput> {
  readonly registry: FunctionRegistry;
  /** This machine: the target of every edge, and the source of inline tasks (evaluated here). */
  readonly machine: string;
  /** A leaf's value and the machine it came from (the transforms' `sourceMachine`). */
  readonly leaf: (input: Leaf) => { readonly value: unknown; readonly source: string };
  /**
   * Turns the call's argument at `index` into what its function takes (a stream or a file, `FunctionInputs.as`);
   * absent when the leaves already deliver that (the agent opens stored inputs itself).
   */
  readonly deliver?: (fn: HandoffFunction, index: number, value: unknown) => unknown;
}

/**
 * Evaluates a task's inputs in call order, the one way for `executeLocal` and the agent: a leaf is its value, an
 * inline task is its function called with its own inputs; then the edge's `encode` and `decode` run as
 * `(value, sourceMachine, targetMachine, ...args)`. Synchronous while every function is (fast in-process runs);
 * a promise as soon as one is async.
 * @example await evaluateInputs({ registry, machine: "m1", leaf: (input) => ({ value: input.value, source: input.source }) }, inputs)
 */
export function evaluateInputs<Leaf extends LeafInput>(
  context: InputEvaluation<Leaf>,
  inputs: readonly (Leaf | InlineInput<Leaf>)[],
): unknown[] | Promise<unknown[]> {
  // Loops, not map/some with closures: this runs once per task.
  const values = new Array<unknown>(inputs.length);
  let isAsync = false;
  for (let i = 0; i < inputs.length; i++) {
    const value = evaluateInput(context, inputs[i]!);
    values[i] = value;
    if (!isAsync && isPromiseLike(value)) isAsync = true;
  }
  return isAsync ? Promise.all(values) : values;
}

function evaluateInput<Leaf extends LeafInput>(context: InputEvaluation<Leaf>, input: Leaf | InlineInput<Leaf>): unknown {
  let value: unknown;
  let source: string;
  if (isInline(input)) {
    const args = evaluateInputs(context, input.inputs);
    value = isPromiseLike(args)
      ? args.then((resolved) => callFunction(context.registry, input.fn, resolved, input.extraArgs, input.argumentInclusion))
      : callFunction(context.registry, input.fn, args, input.extraArgs, input.argumentInclusion);
    source = context.machine;
  } else {
    ({ value, source } = context.leaf(input));
  }
  if (input.encode !== undefined) value = applyTransform(context, input.encode, value, source);
  if (input.decode !== undefined) value = applyTransform(context, input.decode, value, source);
  return value;
}

function applyTransform<Leaf extends LeafInput>(context: InputEvaluation<Leaf>, transform: EdgeCall, value: unknown, source: string): unknown {
  return isPromiseLike(value)
    ? value.then((resolved) => callTransform(context.registry, transform, resolved, source, context.machine))
    : callTransform(context.registry, transform, value, source, context.machine);
}

/**
 * Evaluates a whole call: its inputs (`evaluateInputs`), then its function (`callFunction`). Synchronous while
 * everything is.
 */
export function evaluateCall<Leaf extends LeafInput>(
  context: InputEvaluation<Leaf>,
  call: { readonly fn: string; readonly inputs: readonly (Leaf | InlineInput<Leaf>)[]; readonly extraArgs: readonly unknown[]; readonly argumentInclusion: ArgumentInclusion },
): unknown {
  const evaluated = evaluateInputs(context, call.inputs);
  return isPromiseLike(evaluated)
    ? evaluated.then((resolved) => callFunction(context.registry, call.fn, delivered(context, call.fn, resolved), call.extraArgs, call.argumentInclusion))
    : callFunction(context.registry, call.fn, delivered(context, call.fn, evaluated), call.extraArgs, call.argumentInclusion);
}

/** The call's arguments as its function takes them (`deliver`), in place: `args` is the call's own array. */
function delivered<Leaf extends LeafInput>(context: InputEvaluation<Leaf>, name: string, args: unknown[]): unknown[] {
  const { deliver } = context;
  if (deliver === undefined || args.length === 0) return args;
  const fn = lookup(context.registry, name);
  for (let index = 0; index < args.length; index++) args[index] = deliver(fn, index, args[index]);
  return args;
}

/** Calls a task's function: `args` leading and `extraArgs` following, or `args` packed into one list for `as_list`. */
export function callFunction(registry: FunctionRegistry, name: string, args: readonly unknown[], extraArgs: readonly unknown[], argumentInclusion: ArgumentInclusion): unknown {
  const fn = lookup(registry, name);
  if (argumentInclusion === "as_list") return extraArgs.length === 0 ? fn.run(args) : fn.run(args, ...extraArgs);
  return extraArgs.length === 0 ? fn.run(...args) : args.length === 0 ? fn.run(...extraArgs) : fn.run(...args, ...extraArgs);
}

/** Calls an edge transform `fn(value, sourceMachine, targetMachine, ...args)`. */
export function callTransform(registry: FunctionRegistry, transform: EdgeCall, value: unknown, source: string, target: string): unknown {
  return lookup(registry, transform.fn).run(value, source, target, ...(transform.args ?? []));
}

function lookup(registry: FunctionRegistry, name: string): HandoffFunction {
  const fn = registry.get(name);
  if (!fn) throw new Error(`function "${name}" is not registered on this machine`);
  return fn;
}

function isInline<Leaf extends LeafInput>(input: Leaf | InlineInput<Leaf>): input is InlineInput<Leaf> {
  return input.kind === "inline";
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
