import { z } from "zod";

export type ExtraArgsCheck = { ok: true; value: unknown[] } | { ok: false; message: string };

/**
 * Reads the inspector's "extra args" text: it must be a JSON list and, when the function declares its
 * parameters (a JSON Schema written by the SDK from its zod schema), must match them. Each message names
 * where the problem is (`[0]: expected number, got string`).
 * @example checkExtraArgs("[2]", { type: "array", prefixItems: [{ type: "number" }] }) // { ok: true, value: [2] }
 */
export function checkExtraArgs(text: string, params: Record<string, unknown> | undefined): ExtraArgsCheck {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: [] };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    return { ok: false, message: `not valid JSON: ${(error as Error).message}` };
  }
  if (!Array.isArray(value)) return { ok: false, message: "extra args must be a JSON list, e.g. [1, \"two\"]" };
  if (params === undefined) return { ok: true, value };
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(params as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    // A schema we cannot read must not block editing; the agent checks the args again when it runs.
    return { ok: true, value };
  }
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value };
  const message = result.error.issues
    .map((issue) => {
      const path = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`)).join("");
      return path === "" ? issue.message : `${path}: ${issue.message}`;
    })
    .join("; ");
  return { ok: false, message };
}
