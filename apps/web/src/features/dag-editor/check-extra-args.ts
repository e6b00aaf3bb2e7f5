import { formatJsonSchemaIssues, formatPath, paramReferences, validateJsonSchema } from "@handoff/protocol";

export type ExtraArgsCheck = { ok: true; value: unknown[] } | { ok: false; message: string };

/**
 * Reads the inspector's "extra args" text: it must be a JSON list (empty text is the empty list) and, when
 * the function declares its parameters (a JSON Schema written by the SDK from its zod schema), must match
 * them — checked by the protocol's validator, the one the server uses. Each message names where the
 * problem is (`[0]: …`); an empty field for `std.constant` says it needs its value.
 * @example checkExtraArgs("[2]", { type: "array", prefixItems: [{ type: "number" }] }) // { ok: true, value: [2] }
 */
export function checkExtraArgs(text: string, params: Record<string, unknown> | undefined): ExtraArgsCheck {
  const trimmed = text.trim();
  let value: unknown = [];
  if (trimmed !== "") {
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      return { ok: false, message: `not valid JSON: ${(error as Error).message}` };
    }
  }
  if (!Array.isArray(value)) return { ok: false, message: "extra args must be a JSON list, e.g. [1, \"two\"]" };
  if (params === undefined) return { ok: true, value };
  // A run parameter (`{ "$param": "n" }`) stands for a value given at run start: checked then, not here.
  const refs = paramReferences({ extraArgs: value }).map((reference) => formatPath(reference.path.slice(1)));
  const issues = validateJsonSchema(params, value).filter((issue) => !refs.some((ref) => issue.path === ref || issue.path.startsWith(`${ref}.`) || issue.path.startsWith(`${ref}[`)));
  return issues.length === 0 ? { ok: true, value } : { ok: false, message: formatJsonSchemaIssues(issues) };
}
