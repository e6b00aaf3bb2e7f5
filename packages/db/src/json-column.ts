// JSON values live in TEXT columns in both providers (portable; SQLite has no Json type in Prisma 6).

export function toJsonColumn(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("value is not JSON-serializable");
  return text;
}

export function fromJsonColumn(text: string): unknown {
  return JSON.parse(text) as unknown;
}

export function toOptionalJsonColumn(value: unknown): string | null {
  return value === undefined || value === null ? null : toJsonColumn(value);
}

export function fromOptionalJsonColumn(text: string | null): unknown {
  return text === null ? null : fromJsonColumn(text);
}
