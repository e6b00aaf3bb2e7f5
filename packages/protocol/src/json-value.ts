import { z } from "zod";
import { valueDepthProblem } from "@handoff/core";

/** Anything `JSON.parse` can return. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JsonProblem {
  /** Where the offending value sits, relative to the checked value (`["a", 2]` is `a[2]`). */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Finds the first part of `value` that is not plain JSON (a function, bigint, undefined, NaN, a class
 * instance, a cycle, nesting deeper than `MAX_VALUE_DEPTH`…). Returns null when `value` is plain JSON.
 */
export function findJsonProblem(value: unknown): JsonProblem | null {
  // Checked without recursion first, so the walk below never meets a value deep enough to overflow the stack.
  const deep = valueDepthProblem(value);
  if (deep !== null) return deep;
  const ancestors = new Set<object>();
  const path: (string | number)[] = [];
  const visit = (v: unknown): string | null => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return null;
      case "number":
        return Number.isFinite(v) ? null : `${String(v)} is not a JSON number`;
      case "object": {
        if (v === null) return null;
        if (ancestors.has(v)) return "cyclic reference";
        if (Array.isArray(v)) {
          ancestors.add(v);
          for (let i = 0; i < v.length; i++) {
            path.push(i);
            const problem = visit(v[i]);
            if (problem !== null) return problem;
            path.pop();
          }
          ancestors.delete(v);
          return null;
        }
        if (!isPlainObject(v)) return `${describeKind(v)} is not a JSON value`;
        ancestors.add(v);
        for (const [key, child] of Object.entries(v)) {
          path.push(key);
          const problem = visit(child);
          if (problem !== null) return problem;
          path.pop();
        }
        ancestors.delete(v);
        return null;
      }
      case "undefined":
      case "bigint":
      case "symbol":
      case "function":
        return `${describeKind(v)} is not a JSON value`;
    }
  };
  const message = visit(value);
  return message === null ? null : { path, message };
}

export function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A short human name for the kind of a value, for error messages: `bigint`, `function`, `Date`, `Map`. */
export function describeKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") {
    if (isPlainObject(v)) return "object";
    const name = (v.constructor as { name?: unknown } | undefined)?.name;
    return typeof name === "string" && name !== "" ? name : "object";
  }
  return typeof v;
}

/** A zod schema for plain JSON whose errors name the offending path (zod's own `z.json()` only says "Invalid input"). */
export const JsonValue: z.ZodType<JsonValue> = z.custom<JsonValue>().superRefine((value, ctx) => {
  const problem = findJsonProblem(value);
  if (problem !== null) ctx.addIssue({ code: "custom", message: problem.message, path: [...problem.path] });
});
