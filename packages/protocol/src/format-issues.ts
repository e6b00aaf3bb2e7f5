import type { z } from "zod";
import { describeKind } from "./json-value.ts";

/** One problem found while parsing wire input: where (`tasks[3].cost.cpu`) and what, in plain words. */
export interface SchemaIssue {
  readonly path: string;
  readonly message: string;
}

type Issue = z.core.$ZodIssue;
type PathSegment = PropertyKey;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["tasks", 3, "cost", "cpu"]` → `tasks[3].cost.cpu`; the root is `""`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const key = String(segment);
      if (IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

/**
 * Turns zod issues into `{ path, message }` pairs a person can act on: unions are resolved to the branch
 * the input was aiming at, unknown keys get one issue each, and `received` types are named.
 */
export function formatIssues(issues: readonly Issue[], input: unknown): SchemaIssue[] {
  const out: { path: PathSegment[]; message: string }[] = [];
  for (const issue of issues) collect(issue, [], input, out);
  return out.map(({ path, message }) => ({ path: formatPath(path), message }));
}

function collect(issue: Issue, prefix: PathSegment[], input: unknown, out: { path: PathSegment[]; message: string }[]): void {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case "invalid_type": {
      const received = valueAt(input, path);
      const got = received.found ? `, got ${describeReceived(received.value)}` : " (missing)";
      out.push({ path, message: `expected ${issue.expected}${got}` });
      return;
    }
    case "unrecognized_keys":
      for (const key of issue.keys) out.push({ path: [...path, key], message: "unknown field" });
      return;
    case "invalid_union": {
      if (issue.discriminator !== undefined && issue.errors.length === 0) {
        const options = "options" in issue && issue.options !== undefined ? issue.options.map((o) => JSON.stringify(o)).join(", ") : "";
        const received = valueAt(input, path);
        const got = received.found ? `, got ${JSON.stringify(received.value) ?? describeReceived(received.value)}` : " (missing)";
        out.push({ path, message: `expected one of ${options}${got}` });
        return;
      }
      // The branch that got past the top-level type check is the one the input was aiming at.
      const pastType = issue.errors.filter((branch) => !branch.every((i) => i.code === "invalid_type" && i.path.length === 0));
      // Among those, a branch that found unknown fields at its own level was not the one meant (`{file}` vs `{name}`).
      const withKnownKeys = pastType.filter((branch) => !branch.some((i) => i.code === "unrecognized_keys" && i.path.length === 0));
      const aimed = withKnownKeys.length === 1 ? withKnownKeys : pastType;
      const [branch] = aimed;
      if (aimed.length === 1 && branch !== undefined) {
        for (const inner of branch) collect(inner, path, input, out);
        return;
      }
      const expected = issue.errors.flatMap((b) => b.flatMap((i) => (i.code === "invalid_type" && i.path.length === 0 ? [i.expected] : [])));
      const received = valueAt(input, path);
      const got = received.found ? `, got ${describeReceived(received.value)}` : " (missing)";
      out.push({ path, message: expected.length > 0 ? `expected ${[...new Set(expected)].join(" or ")}${got}` : stripPrefix(issue.message) });
      return;
    }
    case "invalid_value":
    case "too_big":
    case "too_small":
    case "invalid_format":
    case "not_multiple_of":
    case "invalid_key":
    case "invalid_element":
    case "custom":
      out.push({ path, message: stripPrefix(issue.message) });
      return;
  }
}

function stripPrefix(message: string): string {
  const stripped = message.replace(/^Invalid input: /, "");
  return stripped.charAt(0).toLowerCase() + stripped.slice(1);
}

function describeReceived(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return describeKind(value);
}

function valueAt(root: unknown, path: readonly PathSegment[]): { found: boolean; value: unknown } {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object" || typeof segment === "symbol") return { found: false, value: undefined };
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return { found: false, value: undefined };
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return { found: current !== undefined, value: current };
}

/** The issues on one line, `path: message; …` (`(root)` for the value itself), for logs and error messages. */
export function describeIssues(issues: readonly Issue[], input: unknown): string {
  return formatIssues(issues, input)
    .map((issue) => `${issue.path || "(root)"}: ${issue.message}`)
    .join("; ");
}
