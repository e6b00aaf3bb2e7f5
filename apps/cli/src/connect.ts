import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseServerUrls } from "@handoff/protocol";
import { createClient, type HandoffClient } from "@handoff/sdk";
import { UsageError } from "./args.ts";
import { resolveDataDir } from "./data-dir.ts";

/**
 * The server and token for client commands: flags, then HANDOFF_URL / HANDOFF_TOKEN, then the embedded
 * default's admin token in `.handoff/admin-token` (so `handoff run` works right after `npm start`).
 */
export function connect(flags: { server?: string | undefined; token?: string | undefined; "data-dir"?: string | undefined }): HandoffClient {
  // Replicas: several URLs, comma-separated (--server a,b or HANDOFF_SERVER_URLS); calls move on when one stops answering.
  const parsed = parseServerUrls(flags.server ?? process.env["HANDOFF_SERVER_URLS"] ?? process.env["HANDOFF_URL"] ?? "http://127.0.0.1:4400");
  if (!parsed.ok) throw new UsageError(`--server (or HANDOFF_SERVER_URLS / HANDOFF_URL) ${parsed.message}`);
  const urls = parsed.urls;
  let token = flags.token ?? process.env["HANDOFF_TOKEN"];
  if (!token) {
    const file = path.join(resolveDataDir(flags["data-dir"]), "admin-token");
    if (existsSync(file)) token = readFileSync(file, "utf8").trim();
  }
  if (!token) throw new UsageError(`no token: pass --token, set HANDOFF_TOKEN, or start the system first (\`npm start\` writes ${path.join(resolveDataDir(flags["data-dir"]), "admin-token")})`);
  const [url, ...others] = urls;
  return createClient({ url, token, ...(others.length === 0 ? {} : { urls }) });
}
