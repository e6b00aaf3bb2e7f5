import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";

/** One way a value fails a JSON Schema: where (`[0]`, `.width`, or `""` for the value itself) and what. */
export interface JsonSchemaIssue {
  readonly path: string;
  readonly message: string;
}

/** Validators are compiled once per schema object (catalogue entries are long-lived). */
const compiled = new WeakMap<object, Validator | null>();

function validatorFor(schema: Readonly<Record<string, unknown>>): Validator | null {
  let validator = compiled.get(schema);
  if (validator === undefined) {
    try {
      validator = new Validator(schema as Schema, "2020-12", false);
    } catch {
      validator = null;
    }
    compiled.set(schema, validator);
  }
  return validator;
}

/** `#/0/name` → `[0].name`, reading the value to tell list positions from object keys. */
function pathOf(instanceLocation: string, value: unknown): string {
  let out = "";
  let current: unknown = value;
  for (const raw of instanceLocation.replace(/^#\/?/, "").split("/")) {
    if (raw === "") continue;
    const segment = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    out += Array.isArray(current) ? `[${segment}]` : `.${segment}`;
    current = current !== null && typeof current === "object" ? (current as Record<string, unknown>)[segment] : undefined;
  }
  return out;
}

// Keywords that only say "something inside did not match": their inner errors say what.
const WRAPPERS = new Set(["prefixItems", "items", "properties", "additionalProperties", "allOf", "$ref", "dependentSchemas", "unevaluatedItems", "unevaluatedProperties"]);

function messageOf(unit: OutputUnit, value: unknown, isRoot: boolean): string {
  const text = unit.error.replace(/\.$/, "");
  if (isRoot && Array.isArray(value)) {
    const few = /^Array has too few items \((\d+) < (\d+)\)$/.exec(text);
    if (few !== null) return `needs at least ${few[2]} item${few[2] === "1" ? "" : "s"}, got ${few[1]}`;
    const many = /^Array has too many items \((\d+) > (\d+)\)$/.exec(text);
    if (many !== null) return `takes at most ${many[2]} item${many[2] === "1" ? "" : "s"}, got ${many[1]}`;
  }
  if (unit.keyword === "false") return "is not expected here";
  if (unit.keyword === "anyOf" || unit.keyword === "oneOf") return "matches none of the accepted forms";
  return text.replace(/^Instance /, "");
}

/**
 * The project's one JSON Schema validator (draft 2020-12, what the SDK writes from zod), used wherever a
 * value is checked against a schema that arrived as data: a function's params in core's validation, in the
 * editor and at the API. `@cfworker/json-schema` because it interprets schemas instead of compiling them
 * with `new Function` (ajv does), so it also runs in the dashboard under a CSP without `unsafe-eval`.
 * An unreadable schema accepts everything: the agent checks the arguments again when it runs.
 * @example
 * validateJsonSchema({ type: "array", minItems: 1 }, []) // [{ path: "", message: "needs at least 1 item, got 0" }]
 */
export function validateJsonSchema(schema: Readonly<Record<string, unknown>>, value: unknown): JsonSchemaIssue[] {
  const validator = validatorFor(schema);
  if (validator === null) return [];
  let result: ReturnType<Validator["validate"]>;
  try {
    result = validator.validate(value);
  } catch {
    return [];
  }
  if (result.valid) return [];
  const errors = result.errors;
  const anyOfs = errors.filter((unit) => unit.keyword === "anyOf" || unit.keyword === "oneOf").map((unit) => `${unit.keywordLocation}/`);
  const hasLengthError = errors.some((unit) => unit.keyword === "maxItems");
  const kept = errors.filter(
    (unit) =>
      !(WRAPPERS.has(unit.keyword) && errors.length > 1) &&
      !anyOfs.some((prefix) => unit.keywordLocation.startsWith(prefix)) &&
      !(hasLengthError && unit.keyword === "false"),
  );
  const seen = new Set<string>();
  const issues: JsonSchemaIssue[] = [];
  for (const unit of kept.length > 0 ? kept : errors) {
    const path = pathOf(unit.instanceLocation, value);
    const message = messageOf(unit, value, path === "");
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push({ path, message });
  }
  return issues;
}

/** `[0]: expected …; .width: …` — issues as one line. */
export function formatJsonSchemaIssues(issues: readonly JsonSchemaIssue[]): string {
  return issues.map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`)).join("; ");
}
