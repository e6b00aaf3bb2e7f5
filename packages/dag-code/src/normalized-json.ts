/**
 * A DAG file (or any JSON value) as canonical text: object keys sorted, `-0` written as `-0`, so two files
 * that mean the same compare equal whatever order their fields were written in.
 */
export function normalizedJson(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(normalizedJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${normalizedJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
