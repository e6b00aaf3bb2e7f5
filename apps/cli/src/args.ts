import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command-line mistake: printed as is, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** `--help` / `-h` on any command: its usage is printed on stdout, exit code 0. */
export class HelpRequest extends Error {
  override readonly name = "HelpRequest";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

const helpFlag = { help: { type: "boolean", short: "h" } } as const;

/** True when the arguments ask for help (`--help`, `-h`, or `help` as the first word). */
export function asksForHelp(args: readonly string[]): boolean {
  return args[0] === "help" || args.some((arg) => arg === "--help" || arg === "-h");
}

/** `parseArgs` with errors that name the flag, nothing accepted that was not declared, and `--help` on every command. */
export function parseFlags<T extends Options>(args: readonly string[], options: T, usage: string) {
  if (asksForHelp(args)) throw new HelpRequest(usage);
  try {
    return parseArgs({ args: [...args], options: { ...options, ...helpFlag }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  }
}

export function intFlag(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

export function enumFlag<T extends string>(value: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as T;
}
