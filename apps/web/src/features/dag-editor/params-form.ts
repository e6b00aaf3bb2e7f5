/** One positional extra arg as a form field, read from the function's params JSON Schema. */
export interface ParamField {
  readonly index: number;
  readonly title: string;
  readonly description?: string;
  /** How the field's text is read: a number, an integer, plain text, a yes/no, or JSON (anything else). */
  readonly kind: "number" | "integer" | "string" | "boolean" | "json";
  readonly isRequired: boolean;
}

type Schema = Readonly<Record<string, unknown>>;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(item: Schema): ParamField["kind"] {
  switch (item.type) {
    case "number":
    case "integer":
    case "string":
    case "boolean":
      return item.type;
    default:
      return "json";
  }
}

/**
 * The fields of a form for a function's extra args, when its params are a fixed list of positions (a zod
 * tuple: `prefixItems`); null when they are not (a variadic list, an object, no schema), and the JSON view is
 * the only editor.
 * @example paramFields({ type: "array", prefixItems: [{ type: "number", title: "ms" }], minItems: 1 })
 * // [{ index: 0, title: "ms", kind: "number", isRequired: true }]
 */
export function paramFields(params: Schema | undefined): ParamField[] | null {
  if (params === undefined || params.type !== "array" || !Array.isArray(params.prefixItems) || params.prefixItems.length === 0) return null;
  const minItems = typeof params.minItems === "number" ? params.minItems : 0;
  return params.prefixItems.map((item: unknown, index): ParamField => {
    const schema = isSchema(item) ? item : {};
    return {
      index,
      title: typeof schema.title === "string" ? schema.title : `argument ${index}`,
      ...(typeof schema.description === "string" ? { description: schema.description } : {}),
      kind: kindOf(schema),
      isRequired: index < minItems,
    };
  });
}

/** A field's text for a value. */
export function fieldText(field: ParamField, value: unknown): string {
  if (value === undefined) return "";
  if (field.kind === "string" && typeof value === "string") return value;
  return JSON.stringify(value) ?? "";
}

/** Reads a field's text: undefined when empty; JSON for `json` fields, falling back to the text itself. */
export function readField(field: ParamField, text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: undefined };
  switch (field.kind) {
    case "string":
      return { ok: true, value: text };
    case "number":
    case "integer": {
      const number = Number(trimmed);
      if (!Number.isFinite(number)) return { ok: false, message: "not a number" };
      if (field.kind === "integer" && !Number.isInteger(number)) return { ok: false, message: "not a whole number" };
      return { ok: true, value: number };
    }
    case "boolean":
      return trimmed === "true" || trimmed === "false" ? { ok: true, value: trimmed === "true" } : { ok: false, message: "true or false" };
    case "json":
      try {
        return { ok: true, value: JSON.parse(trimmed) as unknown };
      } catch {
        return { ok: true, value: text };
      }
  }
}

/** The extra args with position `index` set (or cleared); trailing empty positions are dropped. */
export function withArg(current: readonly unknown[], index: number, value: unknown): unknown[] {
  const next = [...current];
  while (next.length <= index) next.push(undefined);
  next[index] = value;
  while (next.length > 0 && next[next.length - 1] === undefined) next.pop();
  return next.map((item) => (item === undefined ? null : item));
}
