import type { DagParams, JsonValue, ParamType } from "@handoff/protocol";
import { UsageError } from "./args.ts";

/**
 * `--param n=3 --param tags=["a"]` → `{ n: 3, tags: ["a"] }`, each value read as its declared type: a `string` as
 * written, a `number`/`integer` as a number, a `boolean` as `true`/`false`, an `array`/`object` as JSON. A flag that
 * is malformed, names an undeclared param or does not read as its type is a `UsageError` naming it; the schema's
 * other rules (`minimum`, `enum`…) are checked by `bindParams`, as the server does.
 * @example parseParamFlags(["n=3"], { n: { type: "integer" } }) // { n: 3 }
 */
export function parseParamFlags(flags: readonly string[], declared: DagParams): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  const names = Object.keys(declared);
  for (const flag of flags) {
    const equals = flag.indexOf("=");
    if (equals <= 0) throw new UsageError(`--param ${flag}: expected NAME=VALUE (e.g. --param n=3)`);
    const name = flag.slice(0, equals);
    const raw = flag.slice(equals + 1);
    const schema = Object.hasOwn(declared, name) ? declared[name] : undefined;
    if (schema === undefined) {
      throw new UsageError(`--param ${name}: the DAG declares no param "${name}" (${names.length === 0 ? "it declares none" : `it declares ${names.join(", ")}`})`);
    }
    if (Object.hasOwn(values, name)) throw new UsageError(`--param ${name}: given twice`);
    values[name] = readAs(schema.type, raw, name);
  }
  return values;
}

function readAs(type: ParamType, raw: string, name: string): JsonValue {
  const bad = (what: string): never => {
    throw new UsageError(`--param ${name}=${raw}: ${name} is ${what}`);
  };
  switch (type) {
    case "string":
      return raw;
    case "integer":
    case "number": {
      const n = raw.trim() === "" ? Number.NaN : Number(raw);
      if (!Number.isFinite(n)) return bad(`a number (${type}), "${raw}" is not one`);
      if (type === "integer" && !Number.isInteger(n)) return bad(`an integer, "${raw}" is not one`);
      return n;
    }
    case "boolean":
      if (raw === "true") return true;
      if (raw === "false") return false;
      return bad(`a boolean: write true or false`);
    case "array":
    case "object": {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        return bad(`${type === "array" ? "an array" : "an object"} written as JSON (${error instanceof Error ? error.message : String(error)})`);
      }
      if (type === "array" ? !Array.isArray(value) : value === null || typeof value !== "object" || Array.isArray(value)) return bad(`${type === "array" ? "an array" : "an object"} written as JSON`);
      return value as JsonValue;
    }
  }
}
