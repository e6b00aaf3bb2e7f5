import { z } from "zod";
import { MAX_VALUE_DEPTH } from "@handoff/core";
import { validateJsonSchema } from "./json-schema.ts";
import { isPlainObject, JsonValue } from "./json-value.ts";
import { isParamArg } from "./producer-of.ts";

export { isParamArg, producerOf } from "./producer-of.ts";

/** The key of a reference to a run parameter inside `extraArgs`: `{ "$param": "n" }` is replaced by the value of `n`. */
export const PARAM_REF_KEY = "$param";

export const MAX_PARAMS = 100;
export const MAX_PARAM_NAME_LENGTH = 100;

/** The JSON Schema types a parameter may declare (its `type`, required: it decides how `--param n=3` is read). */
export const PARAM_TYPES = ["string", "number", "integer", "boolean", "array", "object"] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** A parameter's name: an identifier (so `--param n=3` and `{ "$param": "n" }` need no quoting). */
export const ParamName = z
  .string()
  .min(1, "must not be empty")
  .max(MAX_PARAM_NAME_LENGTH, `must be at most ${MAX_PARAM_NAME_LENGTH} characters`)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an identifier (letters, digits, _; not starting with a digit)");

/**
 * One declared parameter: a JSON Schema (draft 2020-12) with a required `type`, an optional `default` (which must
 * match the schema) and `description`; any other keyword (`minimum`, `enum`, `items`…) constrains the value too.
 */
export const ParamSchema = z
  .looseObject({
    type: z.enum(PARAM_TYPES),
    description: z.string().max(10_000).optional(),
    title: z.string().max(200).optional(),
    default: JsonValue.optional(),
  })
  .catchall(JsonValue)
  .superRefine((schema, ctx) => {
    if (!("default" in schema) || schema.default === undefined) return;
    for (const issue of validateJsonSchema(withoutDefault(schema), schema.default)) {
      ctx.addIssue({ code: "custom", path: ["default"], message: issue.path === "" ? issue.message : `${issue.path}: ${issue.message}` });
    }
  });
export type ParamSchema = z.infer<typeof ParamSchema>;

/** A DAG's parameters by name, in the order they are declared (the run dialog's order). */
export const DagParams = z.record(z.string(), ParamSchema).superRefine((params, ctx) => {
  const names = Object.keys(params);
  if (names.length > MAX_PARAMS) ctx.addIssue({ code: "custom", message: `at most ${MAX_PARAMS} parameters, got ${names.length}` });
  for (const name of names) {
    const checked = ParamName.safeParse(name);
    if (!checked.success) ctx.addIssue({ code: "custom", path: [name], message: `param name ${JSON.stringify(name.slice(0, 120))}: ${checked.error.issues[0]?.message ?? "invalid"}` });
  }
});
export type DagParams = z.infer<typeof DagParams>;

/** A task input that takes a parameter's value (`args: ["load", { param: "n" }]`). */
export const ParamArgJson = z.strictObject({ param: ParamName });
export type ParamArgJson = z.infer<typeof ParamArgJson>;

/** The values given for a run: parameter name → JSON value. */
export const ParamValues = z.record(z.string().max(MAX_PARAM_NAME_LENGTH), JsonValue).refine((values) => Object.keys(values).length <= MAX_PARAMS, `at most ${MAX_PARAMS} parameters`);
export type ParamValues = z.infer<typeof ParamValues>;

function withoutDefault(schema: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { default: _default, ...rest } = schema;
  return rest;
}

/** Whether a value inside `extraArgs` is a parameter reference (`{ "$param": "n" }`: exactly that one key, a string). */
export function isParamRef(value: unknown): value is { readonly $param: string } {
  if (value === null || typeof value !== "object" || Array.isArray(value) || !isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === PARAM_REF_KEY && typeof value[PARAM_REF_KEY] === "string";
}

/**
 * Stands for a run parameter's value anywhere inside `extraArgs` (`{ "$param": name }` in the DAG file).
 * @example dag.addTask({ id: "load", fn: "std.bytes", extraArgs: [paramRef("size"), 7] });
 */
export function paramRef(name: string): { readonly $param: string } {
  return { [PARAM_REF_KEY]: name } as { readonly $param: string };
}

/** One place a task refers to a parameter: its path inside the task (`args[1]`, `extraArgs[0].width`) and the name. */
export interface ParamReference {
  readonly path: readonly (string | number)[];
  readonly name: string;
}

/** Every parameter a task refers to, as an input or inside its extra args (nested anywhere), in order. */
export function paramReferences(task: { readonly args?: readonly unknown[] | undefined; readonly extraArgs?: readonly unknown[] | undefined }): ParamReference[] {
  const found: ParamReference[] = [];
  task.args?.forEach((arg, index) => {
    if (isParamArg(arg)) found.push({ path: ["args", index, "param"], name: arg.param });
  });
  // Depth-first with an explicit stack, no deeper than values may nest (a deeper one is refused by the depth check, and
  // must not overflow the stack on its way there).
  const stack: { value: unknown; path: (string | number)[] }[] = [];
  task.extraArgs?.forEach((value, index) => stack.push({ value, path: ["extraArgs", index] }));
  stack.reverse();
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (isParamRef(value)) {
      found.push({ path, name: value.$param });
      continue;
    }
    if (path.length > MAX_VALUE_DEPTH + 2) continue;
    const children: { value: unknown; path: (string | number)[] }[] = [];
    if (Array.isArray(value)) value.forEach((item, index) => children.push({ value: item, path: [...path, index] }));
    else if (value !== null && typeof value === "object" && isPlainObject(value)) for (const [key, child] of Object.entries(value)) children.push({ value: child, path: [...path, key] });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return found;
}

/**
 * Replaces every `{ "$param": name }` inside `value` by `lookup(name)`; other values are kept as they are (copied).
 * Called on a checked DAG file only, whose values nest at most `MAX_VALUE_DEPTH` levels (it recurses).
 */
export function substituteParamRefs(value: unknown, lookup: (name: string) => unknown, depth = 0): unknown {
  if (isParamRef(value)) return lookup(value.$param);
  if (depth > MAX_VALUE_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => substituteParamRefs(item, lookup, depth + 1));
  if (value !== null && typeof value === "object" && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, substituteParamRefs(child, lookup, depth + 1)]));
  }
  return value;
}
