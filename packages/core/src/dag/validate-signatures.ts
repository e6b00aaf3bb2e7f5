import { ArgumentInclusion, type DagSpec, type FunctionName, type MachineName, type TaskSpec } from "./model.ts";
import type { DagProblem } from "../errors.ts";
import { findSecretRefs, isWithinRef } from "./secret-refs.ts";

/** How a function takes its inputs and extra args, as its catalogue entry declares them. */
export interface FunctionSignature {
  readonly name: FunctionName;
  /** Any number of inputs, or exactly the named ones (in call order). */
  readonly inputs: { readonly kind: "variadic" } | { readonly kind: "named"; readonly names: readonly string[] };
  /** A JSON Schema for the extra args (a transform's static args). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** One machine offering one function. */
export interface FunctionOffer {
  readonly machine: MachineName;
  readonly signature: FunctionSignature;
}

/** Function name → the machines that offer it, each with its own signature (their code may differ). */
export type FunctionCatalogue = ReadonlyMap<FunctionName, readonly FunctionOffer[]>;

/** A JSON Schema validator (the protocol's `validateJsonSchema`): core has no dependencies, so it is passed in. */
export type ParamsValidator = (schema: Readonly<Record<string, unknown>>, value: unknown) => readonly { readonly path: string; readonly message: string }[];

/** What signature checks need: the functions the cluster offers and a JSON Schema validator. */
export interface SignatureContext {
  readonly catalogue: FunctionCatalogue;
  readonly validateParams: ParamsValidator;
}

/**
 * The catalogue of the machines that can take tasks (online ones): each function with every machine
 * offering it.
 * @example functionCatalogue([{ name: "m1", status: "online", functions: [{ name: "f", inputs: { kind: "variadic" } }] }])
 */
export function functionCatalogue(
  machines: readonly { readonly name: MachineName; readonly status: string; readonly functions: readonly FunctionSignature[] }[],
): FunctionCatalogue {
  const catalogue = new Map<FunctionName, FunctionOffer[]>();
  for (const machine of machines) {
    if (machine.status !== "online") continue;
    for (const signature of machine.functions) {
      const offers = catalogue.get(signature.name);
      if (offers === undefined) catalogue.set(signature.name, [{ machine: machine.name, signature }]);
      else offers.push({ machine: machine.name, signature });
    }
  }
  return catalogue;
}

interface Found {
  readonly field: string;
  readonly message: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function describeParams(context: SignatureContext, schema: Readonly<Record<string, unknown>> | undefined, values: readonly unknown[], field: string, what: string): Found[] {
  if (schema === undefined) return [];
  // A secret reference stands for a value only the agent sees: the schema cannot judge it.
  const refs = findSecretRefs(values);
  return context.validateParams(schema, values)
    .filter((issue) => !refs.some((ref) => isWithinRef(issue.path, ref.path))).map((issue) => ({ field: issue.path === "" ? field : `${field}${issue.path}`, message: `${what}${issue.path === "" ? "" : ` ${issue.path}`}: ${issue.message}` }));
}

/** What is wrong with calling `signature` the way `task` does (its inputs and extra args). */
function callProblems(task: TaskSpec, signature: FunctionSignature, context: SignatureContext): Found[] {
  const found: Found[] = [];
  const argCount = Array.isArray(task.args) ? task.args.length : 0;
  if (signature.inputs.kind === "named") {
    const names = signature.inputs.names;
    const given = task.argumentInclusion === ArgumentInclusion.AsList ? 1 : argCount;
    if (given !== names.length) {
      const expected = names.length === 0 ? "takes no inputs" : `takes ${plural(names.length, "input")} (${names.join(", ")})`;
      const got = task.argumentInclusion === ArgumentInclusion.AsList ? "got its inputs as one list (as_list)" : `got ${given}`;
      found.push({ field: "args", message: `${signature.name} ${expected}, ${got}` });
    }
  }
  const extra = Array.isArray(task.extraArgs) ? task.extraArgs : [];
  found.push(...describeParams(context, signature.params, extra, "extraArgs", `${signature.name}'s extra args`));
  return found;
}

/** What is wrong with an edge's transforms' static args. */
function transformProblems(task: TaskSpec, signatureOf: (fn: FunctionName) => FunctionSignature | undefined, context: SignatureContext): Found[] {
  const found: Found[] = [];
  (task.args ?? []).forEach((arg, index) => {
    if (typeof arg === "string" || typeof arg !== "object" || arg === null) return;
    for (const side of ["encode", "decode"] as const) {
      const transform = arg[side];
      if (transform === undefined || typeof transform.fn !== "string") continue;
      const signature = signatureOf(transform.fn);
      if (signature === undefined) continue;
      const values = Array.isArray(transform.args) ? transform.args : [];
      found.push(...describeParams(context, signature.params, values, `args[${index}].${side}.args`, `${transform.fn}'s args`));
    }
  });
  return found;
}

/** The offers a task can use: its pinned machine's, or every online machine's. */
function eligibleOffers(task: TaskSpec, offers: readonly FunctionOffer[]): readonly FunctionOffer[] {
  const placement = task.placement;
  if (placement?.kind === "pinned") return offers.filter((offer) => offer.machine === placement.machine);
  return offers;
}

/** One signature offered under a function's name, and the machines offering it. */
interface Variant {
  readonly signature: FunctionSignature;
  readonly machines: MachineName[];
}

/** Groups offers whose signatures agree (same inputs and params), so each distinct code is checked once. */
function variantsOf(offers: readonly FunctionOffer[]): Variant[] {
  const variants = new Map<string, Variant>();
  for (const offer of offers) {
    const key = JSON.stringify([offer.signature.inputs, offer.signature.params ?? null]);
    const variant = variants.get(key);
    if (variant === undefined) variants.set(key, { signature: offer.signature, machines: [offer.machine] });
    else variant.machines.push(offer.machine);
  }
  return [...variants.values()];
}

const machineList = (machines: readonly MachineName[]): string => `${machines.length === 1 ? "machine" : "machines"} ${machines.map((m) => `"${m}"`).join(", ")}`;

/**
 * Checks each task's call against the signature of the function it names: named inputs must get exactly
 * their number of inputs, extra args (and edge transforms' args) must match the params JSON Schema. When
 * the eligible machines offer different code under one name, each variant is checked and a problem says
 * which machines disagree. Functions nobody offers are left to `checkFeasibility` (`unknown_function`).
 * Reports `invalid_task` naming the task and the field (`args`, `extraArgs[0]`, `args[1].encode.args`).
 * @example
 * validateSignatures({ tasks: [{ id: "c", fn: "std.constant" }] }, context)
 * // [{ kind: "invalid_task", taskId: "c", field: "extraArgs", message: "task \"c\": std.constant's extra args: needs at least 1 item, got 0" }]
 */
export function validateSignatures(dag: DagSpec, context: SignatureContext): DagProblem[] {
  const problems: DagProblem[] = [];
  const signatureOf = (fn: FunctionName): FunctionSignature | undefined => context.catalogue.get(fn)?.[0]?.signature;
  // Per function (and pinned machine), not per task: grouping every machine's offer anew for each task made a 10,000-
  // task run on 200 machines 2 million signature comparisons. Keyed by function, then pinned machine (null: any).
  const known = new Map<FunctionName, Map<MachineName | null, Variant[]>>();
  const variantsFor = (task: TaskSpec): Variant[] => {
    const pinnedTo = task.placement?.kind === "pinned" ? task.placement.machine : null;
    let byMachine = known.get(task.fn);
    if (byMachine === undefined) known.set(task.fn, (byMachine = new Map<MachineName | null, Variant[]>()));
    let variants = byMachine.get(pinnedTo);
    if (variants === undefined) byMachine.set(pinnedTo, (variants = variantsOf(eligibleOffers(task, context.catalogue.get(task.fn) ?? []))));
    return variants;
  };
  const seen = new Set<string>();
  for (const task of dag.tasks) {
    if (typeof task !== "object" || task === null || typeof task.id !== "string" || task.id === "" || typeof task.fn !== "string") continue;
    if (seen.has(task.id)) continue;
    seen.add(task.id);
    if (task.args !== undefined && !Array.isArray(task.args)) continue;
    const report = (found: Found, where = ""): void => {
      problems.push({ kind: "invalid_task", taskId: task.id, field: found.field, message: `task "${task.id}": ${found.message}${where}` });
    };
    const variants = variantsFor(task);
    if (variants.length === 1) for (const found of callProblems(task, variants[0]!.signature, context)) report(found);
    else if (variants.length > 1) {
      const results = variants.map((variant) => ({ variant, found: callProblems(task, variant.signature, context) }));
      const accepting = results.filter((result) => result.found.length === 0).flatMap((result) => result.variant.machines);
      for (const { variant, found } of results) {
        const others = accepting.length > 0 ? `; ${machineList(accepting)} ${accepting.length === 1 ? "accepts" : "accept"} it` : "";
        for (const problem of found) report(problem, ` (the code on ${machineList(variant.machines)} disagrees with the other machines offering ${task.fn}${others})`);
      }
    }
    for (const found of transformProblems(task, signatureOf, context)) report(found);
  }
  return problems;
}
