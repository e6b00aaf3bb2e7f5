/** The exporter's small document model: JSON-like literals plus calls (`edge("a", {...})`). */
export type Doc =
  | { readonly kind: "atom"; readonly text: string }
  | { readonly kind: "array"; readonly items: readonly Doc[] }
  | { readonly kind: "object"; readonly entries: readonly (readonly [string, Doc])[] }
  | { readonly kind: "call"; readonly callee: string; readonly args: readonly Doc[] };

/** Lines longer than this are broken up (the inline form is used whenever it fits). */
export const MAX_LINE_LENGTH = 100;

const INDENT = "  ";
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export const atom = (text: string): Doc => ({ kind: "atom", text });

/** A JSON value as a document: `-0` stays `-0`, strings and keys are JSON-quoted. */
export function jsonDoc(value: unknown): Doc {
  if (value === null) return atom("null");
  switch (typeof value) {
    case "boolean":
      return atom(String(value));
    case "number":
      return atom(Object.is(value, -0) ? "-0" : String(value));
    case "string":
      return atom(JSON.stringify(value));
    case "object":
      if (Array.isArray(value)) return { kind: "array", items: value.map(jsonDoc) };
      return { kind: "object", entries: Object.entries(value as Record<string, unknown>).map(([key, v]) => [key, jsonDoc(v)] as const) };
    case "bigint":
    case "symbol":
    case "undefined":
    case "function":
      break;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

/**
 * A property key as written in code. `__proto__` is computed (`["__proto__"]`): written plainly it would set
 * the object's prototype when the module runs instead of adding a field.
 */
export function printKey(key: string): string {
  if (key === "__proto__") return `[${JSON.stringify(key)}]`;
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

function inline(doc: Doc): string {
  switch (doc.kind) {
    case "atom":
      return doc.text;
    case "array":
      return `[${doc.items.map(inline).join(", ")}]`;
    case "object":
      return doc.entries.length === 0 ? "{}" : `{ ${doc.entries.map(([key, value]) => `${printKey(key)}: ${inline(value)}`).join(", ")} }`;
    case "call":
      return `${doc.callee}(${doc.args.map(inline).join(", ")})`;
  }
}

/**
 * Prints `doc` starting at `column` (what precedes it on the line) with `depth` levels of indentation for
 * its own lines; `suffix` is what follows it on its last line (a comma). Inline when it fits.
 */
export function printDoc(doc: Doc, depth: number, column: number, suffix = ""): string {
  const flat = inline(doc);
  if (doc.kind === "atom" || column + flat.length + suffix.length <= MAX_LINE_LENGTH) return flat;
  const inner = INDENT.repeat(depth + 1);
  const close = INDENT.repeat(depth);
  const lines = (parts: readonly string[], open: string, end: string) => `${open}\n${parts.map((part) => `${inner}${part},\n`).join("")}${close}${end}`;
  switch (doc.kind) {
    case "array":
      return lines(doc.items.map((item) => printDoc(item, depth + 1, inner.length, ",")), "[", "]");
    case "object":
      return lines(
        doc.entries.map(([key, value]) => `${printKey(key)}: ${printDoc(value, depth + 1, inner.length + printKey(key).length + 2, ",")}`),
        "{",
        "}",
      );
    case "call": {
      // The last argument hugs the call when it is a literal and the rest fits: `edge("a", {` … `})`.
      const last = doc.args.at(-1);
      const head = `${doc.callee}(${doc.args.slice(0, -1).map((arg) => `${inline(arg)}, `).join("")}`;
      if (last !== undefined && last.kind !== "atom" && last.kind !== "call" && column + head.length < MAX_LINE_LENGTH) {
        return `${head}${printDoc(last, depth, column + head.length, `)${suffix}`)})`;
      }
      return lines(doc.args.map((arg) => printDoc(arg, depth + 1, inner.length, ",")), `${doc.callee}(`, ")");
    }
  }
}
