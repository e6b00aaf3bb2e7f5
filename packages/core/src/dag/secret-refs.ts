import type { DagSpec } from "./model.ts";
import type { DagProblem } from "../errors.ts";
import { MAX_VALUE_DEPTH } from "../limits/bounds.ts";

/**
 * A reference to a named secret, as a value in a task's `extraArgs` (at any depth): an object whose one key is
 * `secret`, naming it. The agent running the attempt replaces it with the secret's value just before the call; the
 * DAG, the run's records and everything shown keep only the reference.
 */
export interface SecretRef {
  readonly secret: string;
}

/** A secret's name: a letter, then up to 99 letters, digits, `_`, `.` or `-`. */
export const SECRET_NAME_PATTERN = /^[A-Za-z][\w.-]{0,99}$/;

/** Whether `value` is a secret reference (`{ "secret": "<name>" }`, nothing else). */
export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === "secret" && typeof (value as { secret: unknown }).secret === "string";
}

/** One reference found in a value: where (`[0].password`, as the JSON Schema issues say it) and which secret. */
export interface FoundSecretRef {
  readonly path: string;
  readonly name: string;
}

/**
 * Every secret reference in `value`, with its path; iterative (values are depth-bounded elsewhere, but this must not
 * be what overflows the stack on one that is not).
 * @example findSecretRefs([{ url: "pg://", password: { secret: "warehouse" } }]) // [{ path: "[0].password", name: "warehouse" }]
 */
export function findSecretRefs(value: unknown): FoundSecretRef[] {
  const found: FoundSecretRef[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (isSecretRef(current)) {
      found.push({ path, name: current.secret });
      continue;
    }
    // Deeper than values may nest: refused by the depth check; its path would cost quadratic memory here.
    if (depth > MAX_VALUE_DEPTH) continue;
    // Only objects can be or hold a reference: a path is built for them alone (a task's extraArgs are mostly plain values).
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) {
        const item: unknown = current[i];
        if (typeof item === "object" && item !== null) stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 });
      }
      continue;
    }
    const entries: [string, unknown][] = Object.entries(current as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      if (typeof item === "object" && item !== null) stack.push({ value: item, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return found;
}

/** The names of the secrets `value` refers to. */
export function secretNamesIn(value: unknown): Set<string> {
  return new Set(findSecretRefs(value).map((ref) => ref.name));
}

/** Whether an issue at `issuePath` is about the reference at `refPath` (or inside it). */
export function isWithinRef(issuePath: string, refPath: string): boolean {
  return issuePath === refPath || issuePath.startsWith(`${refPath}.`) || issuePath.startsWith(`${refPath}[`);
}

/**
 * Checks each task's secret references: a well-formed name, a secret that exists (when `known` is given), and only in
 * `extraArgs` (an edge transform's args are not resolved). Problems are `invalid_task` naming the task and the field.
 * @example
 * checkSecretRefs({ tasks: [{ id: "load", fn: "db.load", extraArgs: [{ secret: "warehouse" }] }] }, new Set())
 * // [{ kind: "invalid_task", taskId: "load", field: "extraArgs[0]", message: 'task "load": extraArgs[0]: unknown secret "warehouse" (…)' }]
 */
export function checkSecretRefs(dag: DagSpec, known: ReadonlySet<string> | undefined): DagProblem[] {
  const problems: DagProblem[] = [];
  const tasks: readonly unknown[] = Array.isArray(dag.tasks) ? (dag.tasks as readonly unknown[]) : [];
  for (const raw of tasks) {
    if (typeof raw !== "object" || raw === null) continue;
    const task = raw as { readonly id?: unknown; readonly extraArgs?: unknown; readonly args?: unknown };
    const taskId = task.id;
    if (typeof taskId !== "string") continue;
    // Plain values (no object among them) hold no reference: most tasks' extraArgs are skipped without a walk.
    if (Array.isArray(task.extraArgs) && (task.extraArgs as readonly unknown[]).some(isObject)) {
      for (const ref of findSecretRefs(task.extraArgs)) {
        const field = `extraArgs${ref.path}`;
        if (!SECRET_NAME_PATTERN.test(ref.name)) report(problems, taskId, field, `${JSON.stringify(ref.name.slice(0, 120))} is not a secret name (a letter, then up to 99 letters, digits, _ . -)`);
        else if (known !== undefined && !known.has(ref.name)) report(problems, taskId, field, `unknown secret "${ref.name}" (an admin creates it with \`handoff secrets set ${ref.name}\` or on the Secrets page)`);
      }
    }
    if (!Array.isArray(task.args)) continue;
    const args: readonly unknown[] = task.args;
    for (let index = 0; index < args.length; index++) {
      const arg = args[index];
      if (typeof arg !== "object" || arg === null) continue;
      for (const side of EDGE_SIDES) {
        const transform = (arg as Record<string, unknown>)[side];
        const transformArgs = typeof transform === "object" && transform !== null ? (transform as { args?: unknown }).args : undefined;
        if (!Array.isArray(transformArgs)) continue;
        for (const ref of findSecretRefs(transformArgs)) report(problems, taskId, `args[${index}].${side}.args${ref.path}`, `secret "${ref.name}": secrets can be used only in a task's extraArgs, not in an edge transform's args`);
      }
    }
  }
  return problems;
}

const EDGE_SIDES = ["encode", "decode"] as const;

function isObject(value: unknown): boolean {
  return typeof value === "object" && value !== null;
}

function report(problems: DagProblem[], taskId: string, field: string, message: string): void {
  problems.push({ kind: "invalid_task", taskId, field, message: `task "${taskId}": ${field}: ${message}` });
}
