import { isSecretRef, secretNamesIn, type TaskAssignItem, type TaskErrorJson, type TaskFinishedItem, type WireInput } from "@handoff/protocol";

/** Asks the server for the secrets of an attempt this agent runs (`secret:resolve`). */
export type ResolveSecrets = (attemptId: string, names: readonly string[]) => Promise<{ readonly ok: true; readonly values: Readonly<Record<string, string>> } | { readonly ok: false; readonly error: TaskErrorJson }>;

/** The secrets an assign item refers to: in its extra args and in those of the inline tasks it evaluates. */
export function secretNamesOf(item: TaskAssignItem): string[] {
  const names = secretNamesIn(item.extraArgs);
  const stack: WireInput[] = [...item.inputs];
  while (stack.length > 0) {
    const input = stack.pop()!;
    if (input.kind !== "inline") continue;
    for (const name of secretNamesIn(input.extraArgs)) names.add(name);
    stack.push(...input.inputs);
  }
  return [...names];
}

/** A copy of `value` with each secret reference replaced by its value. */
function substitute(value: unknown, values: Readonly<Record<string, string>>): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (isSecretRef(value)) return values[value.secret];
  if (Array.isArray(value)) return value.map((item) => substitute(item, values));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, values)]));
}

function withInputSecrets(input: WireInput, values: Readonly<Record<string, string>>): WireInput {
  if (input.kind !== "inline") return input;
  return { ...input, extraArgs: substitute(input.extraArgs, values) as unknown[], inputs: input.inputs.map((nested) => withInputSecrets(nested, values)) };
}

/**
 * The item as the function must see it: every secret reference (its own extra args and its inline tasks') replaced by
 * the value. Only the worker gets this copy; reports, logs and previews are built from what `redactor` cleans.
 */
export function withSecrets(item: TaskAssignItem, values: Readonly<Record<string, string>>): TaskAssignItem {
  return { ...item, extraArgs: substitute(item.extraArgs, values) as unknown[], inputs: item.inputs.map((input) => withInputSecrets(input, values)) };
}

/** Values shorter than this are not redacted: replacing every "ab" in a message would hide more than it protects. */
export const MIN_REDACTED_CHARS = 4;
export const REDACTED = "[secret]";

/**
 * Replaces the attempt's secret values in text the agent reports (errors, log lines, previews) by `[secret]`, as
 * written and as JSON-escaped (a preview is JSON). A function can still leak a transformed value (reversed, hashed,
 * base64): redaction catches accidents, not intent.
 * @example createRedactor({ db: "hunter22" })("login failed for hunter22") // "login failed for [secret]"
 */
export function createRedactor(values: Readonly<Record<string, string>>): (text: string) => string {
  const forms = new Set<string>();
  for (const value of Object.values(values)) {
    if (value.length < MIN_REDACTED_CHARS) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((out, form) => out.split(form).join(REDACTED), text);
}

/** The report with the attempt's secret values taken out of its error message or preview. */
export function redactReport(report: TaskFinishedItem, redact: (text: string) => string): TaskFinishedItem {
  if (report.ok) return { ...report, result: { ...report.result, preview: redact(report.result.preview) } };
  return { ...report, error: { ...report.error, message: redact(report.error.message) } };
}
