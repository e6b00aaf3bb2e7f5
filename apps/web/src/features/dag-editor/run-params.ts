import type { DagParams, JsonValue } from "@handoff/protocol";

/**
 * A DAG's run parameters as the schema the extra-args form reads (`ParamsForm`): one position per parameter, in
 * declaration order, titled by its name (with its default), so the run dialog reuses the editor's form.
 * @example runParamsSchema({ n: { type: "integer", default: 3 } }) // { type: "array", prefixItems: [{ type: "integer", title: "n (default 3)" }] }
 */
export function runParamsSchema(params: DagParams): Record<string, unknown> {
  return {
    type: "array",
    prefixItems: Object.entries(params).map(([name, schema]) => ({
      ...schema,
      title: schema.default === undefined ? `${name} (required)` : `${name} (default ${JSON.stringify(schema.default)})`,
    })),
  };
}

/** The form's positions back to values by name; an empty field is left out (the server uses the default). */
export function runParamValues(params: DagParams, positions: readonly unknown[]): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  Object.keys(params).forEach((name, index) => {
    const value = positions[index];
    // The form reads each field as text, a number, a boolean or JSON.parse's result: JSON by construction.
    if (value !== undefined) values[name] = value as JsonValue;
  });
  return values;
}
