import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createClient, type HandoffClient } from "@handoff/sdk";
import { UsageError } from "./args.ts";
import { resolveDataDir } from "./data-dir.ts";

/**
 * The server and token for client commands: flags, then HANDOFF_URL / HANDOFF_TOKEN, then the embedded
 * default's admin token in `.handoff/admin-token` (so `handoff run` works right after `npm start`).
 */
export function connect(flags: { server?: string | undefined; token?: string | undefined; "data-dir"?: string | undefined }): HandoffClient {
  const url = flags.server ?? process.env["HANDOFF_URL"] ?? "http://127.0.0.1:4400";
  let token = flags.token ?? process.env["HANDOFF_TOKEN"];
  if (!token) {
    const file = path.join(resolveDataDir(flags["data-dir"]), "admin-token");
    if (existsSync(file)) token = readFileSync(file, "utf8").trim();
  }
  if (!token) throw new UsageError(`no token: pass --token, set HANDOFF_TOKEN, or start the system first (\`npm start\` writes ${path.join(resolveDataDir(flags["data-dir"]), "admin-token")})`);
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--server must be a URL like http://127.0.0.1:4400, got "${url}"`);
  }
  return createClient({ url, token });
}
