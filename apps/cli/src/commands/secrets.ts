import { closeSync, fstatSync, openSync, readFileSync } from "node:fs";
import { asksForHelp, HelpRequest, parseFlags, UsageError } from "../args.ts";
import { connect } from "../connect.ts";
import { table } from "../table.ts";

const usage = `handoff secrets list                         names and metadata (never values)
handoff secrets set NAME [--from-file PATH]  create or replace NAME; the value is read from stdin, or from a file
                                             only you can read (chmod 600) — never from the command line
handoff secrets delete NAME
Tasks refer to a secret as a value in extraArgs: { "secret": "NAME" }. Admin token only.
(all take [--server URL] [--token TOKEN])`;

const flags = { server: { type: "string" }, token: { type: "string" }, "data-dir": { type: "string" }, "from-file": { type: "string" }, value: { type: "string" } } as const;

/** Reads a secret from a file that is this user's and that nobody else may read (as the agent's token file). */
export function readSecretFile(path: string): string {
  const fd = openSync(path, "r");
  try {
    const stats = fstatSync(fd);
    const uid = typeof process.getuid === "function" ? process.getuid() : undefined;
    if (uid !== undefined && stats.uid !== uid) throw new UsageError(`--from-file ${path} is owned by uid ${stats.uid}, not by you; refusing it`);
    if ((stats.mode & 0o077) !== 0) throw new UsageError(`--from-file ${path} has mode ${(stats.mode & 0o777).toString(8).padStart(3, "0")}; it must be readable by you only (chmod 600 ${path})`);
    return stripOneNewline(readFileSync(fd, "utf8"));
  } finally {
    closeSync(fd);
  }
}

/** `echo value |` and files written by editors end with one newline that is not part of the value. */
function stripOneNewline(text: string): string {
  return text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) console.error("reading the value from stdin (end with Ctrl-D)");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return stripOneNewline(Buffer.concat(chunks).toString("utf8"));
}

export async function secrets(argv: readonly string[]): Promise<number> {
  if (asksForHelp(argv)) throw new HelpRequest(usage);
  const [sub, ...rest] = argv;
  const { values, positionals } = parseFlags(rest, flags, usage);
  if (values.value !== undefined) throw new UsageError(`a secret's value is never taken from the command line (ps, shell history): pipe it to stdin or use --from-file\n\n${usage}`);
  switch (sub) {
    case "list": {
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${usage}`);
      const list = await connect(values).trpc.secrets.list.query();
      console.log(table(["name", "bytes", "updated", "by", "created"], list.map((secret) => [secret.name, String(secret.size), secret.updatedAt, secret.updatedBy ?? "", secret.createdAt])));
      return 0;
    }
    case "set": {
      const [name, ...more] = positionals;
      if (!name) throw new UsageError(`set needs a NAME\n\n${usage}`);
      if (more.length > 0) throw new UsageError(`set takes only a NAME: a secret's value is never taken from the command line (ps, shell history); pipe it to stdin or use --from-file\n\n${usage}`);
      const value = values["from-file"] !== undefined ? readSecretFile(values["from-file"]) : await readStdin();
      if (value === "") throw new UsageError("the value is empty");
      const set = await connect(values).trpc.secrets.set.mutate({ name, value });
      console.log(`${set.created ? "created" : "replaced"} secret ${set.name} (${set.size} bytes)`);
      return 0;
    }
    case "delete": {
      const [name, ...more] = positionals;
      if (!name || more.length > 0) throw new UsageError(`delete needs exactly one NAME\n\n${usage}`);
      await connect(values).trpc.secrets.delete.mutate({ name });
      console.log(`deleted secret ${name}`);
      return 0;
    }
    case undefined:
    default:
      throw new UsageError(`unknown secrets command "${sub ?? ""}"\n\n${usage}`);
  }
}
