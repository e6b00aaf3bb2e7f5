import type { DagFile, TaskJson } from "./dag-file.ts";
import { isParamArg, substituteParamRefs, type DagParams, type ParamSchema } from "./dag-params.ts";
import type { SchemaIssue } from "./format-issues.ts";
import { validateJsonSchema } from "./json-schema.ts";
import { findJsonProblem, type JsonValue } from "./json-value.ts";
import { formatPath } from "./format-issues.ts";

/** The function a parameter input becomes: an inline task returning its one extra arg (the SDK's standard library). */
export const PARAM_INPUT_FN = "std.constant";
const PARAM_TASK_PREFIX = "$param:";

/** A run's DAG with its parameters put in, and the values used (given, else the default), by name in declaration order. */
export interface BoundDag {
  readonly file: DagFile;
  readonly values: Readonly<Record<string, JsonValue>>;
}

export type BindResult = { ok: true; bound: BoundDag } | { ok: false; issues: SchemaIssue[] };

/**
 * Resolves a run's parameters, the one way for the server, the SDK's `executeLocal` and the editor: every given
 * value must be declared, every declared one given or defaulted, and each must match its JSON Schema (protocol's
 * one validator). Expected failures are a value; each issue names the parameter (`params.n`) and why.
 *
 * The bound file has no parameter left: `{ "$param": "n" }` inside `extraArgs` is replaced by the value, and an
 * input `{ param: "n" }` becomes an inline task `$param:n` (`std.constant` of the value) that the task reads from —
 * so the scheduler, the agents and everything reading a run's stored file see an ordinary DAG.
 * @example
 * const bound = bindParams(file, { n: 3 });
 * if (!bound.ok) console.error(bound.issues.map((i) => i.message).join("\n")); // param "n": …
 */
export function bindParams(file: DagFile, given: Readonly<Record<string, unknown>> = {}): BindResult {
  const declared = file.params ?? {};
  const issues: SchemaIssue[] = [];
  const names = Object.keys(declared);
  for (const name of Object.keys(given)) {
    if (Object.hasOwn(declared, name)) continue;
    const known = names.length === 0 ? `DAG "${file.name}" declares no parameters` : `DAG "${file.name}" declares ${names.join(", ")}`;
    issues.push({ path: formatPath(["params", name]), message: `param "${name}": not declared (${known})` });
  }
  const values: Record<string, JsonValue> = {};
  for (const [name, schema] of Object.entries(declared)) {
    const value = Object.hasOwn(given, name) ? given[name] : schema.default;
    const path = formatPath(["params", name]);
    if (value === undefined) {
      issues.push({ path, message: `param "${name}": required (it has no default)` });
      continue;
    }
    const notJson = findJsonProblem(value);
    if (notJson !== null) {
      issues.push({ path, message: `param "${name}": ${notJson.path.length === 0 ? "" : `${formatPath(notJson.path)}: `}${notJson.message}` });
      continue;
    }
    const invalid = validateJsonSchema(schema, value);
    if (invalid.length > 0) {
      for (const issue of invalid) issues.push({ path, message: `param "${name}": ${issue.path === "" ? "" : `${issue.path.replace(/^\./, "")}: `}${issue.message}` });
      continue;
    }
    values[name] = value as JsonValue;
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, bound: { file: substitute(file, values), values } };
}

/**
 * The DAG with values that only serve to check it (the editor, `dags.check`): the default of each parameter, else
 * a sample of its type (`0`, `""`, `false`, `[]`, `{}`, the first `enum`), so a task that uses a parameter is
 * checked like one given a value.
 */
export function bindForCheck(file: DagFile): DagFile {
  const declared = file.params ?? {};
  const values: Record<string, JsonValue> = {};
  for (const [name, schema] of Object.entries(declared)) values[name] = schema.default ?? sampleOf(schema);
  return substitute(file, values);
}

function sampleOf(schema: ParamSchema): JsonValue {
  const options = schema.enum;
  if (Array.isArray(options) && options.length > 0) return options[0] as JsonValue;
  if (schema.const !== undefined) return schema.const;
  const minimum = typeof schema.minimum === "number" ? schema.minimum : typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum + 1 : 0;
  switch (schema.type) {
    case "integer":
      return Math.ceil(minimum);
    case "number":
      return minimum;
    case "string":
      return "";
    case "boolean":
      return false;
    case "array":
      return [];
    case "object":
      return {};
  }
}

function substitute(file: DagFile, values: Readonly<Record<string, JsonValue>>): DagFile {
  const declared: DagParams = file.params ?? {};
  if (Object.keys(declared).length === 0 && !file.tasks.some(usesParams)) return file;
  const ids = new Set(file.tasks.map((task) => task.id));
  const inputTasks = new Map<string, TaskJson>();
  const lookup = (name: string): unknown => values[name] ?? null;
  const inputTaskId = (name: string, consumer: TaskJson): string => {
    const existing = inputTasks.get(name);
    if (existing !== undefined) return existing.id;
    let id = `${PARAM_TASK_PREFIX}${name}`;
    for (let n = 2; ids.has(id); n += 1) id = `${PARAM_TASK_PREFIX}${name}~${n}`;
    ids.add(id);
    const position = consumer.position === undefined ? {} : { position: { x: consumer.position.x - 260, y: consumer.position.y + 160 } };
    inputTasks.set(name, { id, fn: PARAM_INPUT_FN, type: "inline", extraArgs: [values[name] ?? null], label: `param ${name}`, ...position });
    return id;
  };
  const tasks = file.tasks.map((task): TaskJson => {
    if (!usesParams(task)) return task;
    const next: TaskJson = { ...task };
    if (task.args !== undefined) next.args = task.args.map((arg) => (isParamArg(arg) ? inputTaskId(arg.param, task) : arg));
    if (task.extraArgs !== undefined) next.extraArgs = task.extraArgs.map((value) => substituteParamRefs(value, lookup) as JsonValue);
    return next;
  });
  return { ...file, tasks: [...inputTasks.values(), ...tasks] };
}

function usesParams(task: TaskJson): boolean {
  return (task.args?.some(isParamArg) ?? false) || (task.extraArgs !== undefined && JSON.stringify(task.extraArgs).includes('"$param"'));
}
