import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { agentBundleFiles, defaultAgentDir, freshBundleMtime, runBundleScript } from "./agent-bundle.ts";

/** The one-line command (text/plain); `?name=NAME` fills in the name. Tokens never travel in URLs: no `?token=`. */
export const INSTALL_PATH = "/install";
/** The single-file agent: one ES module with no native parts, for any machine with Node 20. */
export const AGENT_BUNDLE_PATH = "/install/agent.mjs";

export type InstallHandler = (request: IncomingMessage, response: ServerResponse, pathname: string) => Promise<boolean>;

export interface InstallHandlerOptions {
  /** The URL agents reach this server at (HANDOFF_PUBLIC_URL, else the listening URL); read on each request. */
  readonly publicUrl: () => string;
  /** The agent package, whose scripts/bundle.mjs builds the bundle (default: apps/agent beside this server). */
  readonly agentDir?: string;
  /** How long a build may take before it counts as failed (default 120 s). */
  readonly buildTimeoutMs?: number;
}

const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * The command that downloads the agent and starts it against this server. The join token goes in the agent's
 * environment (`HANDOFF_JOIN_TOKEN=… node …`), never in its arguments, so `ps` does not show it to other users.
 * Without a token the agent reads `HANDOFF_JOIN_TOKEN` from the shell's environment.
 * @example installCommand({ publicUrl: "http://server:3000", token: "hf_join_…" })
 * // curl -fsSL http://server:3000/install/agent.mjs -o handoff-agent.mjs && HANDOFF_JOIN_TOKEN=hf_join_… node handoff-agent.mjs --server http://server:3000
 */
export function installCommand(options: { readonly publicUrl: string; readonly token?: string; readonly name?: string }): string {
  const base = options.publicUrl.replace(/\/+$/, "");
  const env = options.token === undefined ? "" : `HANDOFF_JOIN_TOKEN=${shellWord(options.token)} `;
  const name = options.name === undefined ? "" : ` --name ${shellWord(options.name)}`;
  return `curl -fsSL ${shellWord(`${base}${AGENT_BUNDLE_PATH}`)} -o handoff-agent.mjs && ${env}node handoff-agent.mjs --server ${shellWord(base)}${name}`;
}

function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

type Bundle = { readonly bytes: Buffer; readonly etag: string; readonly mtimeMs: number };

/**
 * Answers `GET /install` and `GET /install/agent.mjs` with no token (the join token in the agent's environment is the credential).
 * The bundle is built by apps/agent's scripts/bundle.mjs on the first request when `dist/handoff-agent.mjs` is missing
 * or older than any file it was built from (listed in `dist/handoff-agent.inputs.json`), then kept in memory until
 * its sources or the file change. Concurrent requests share one build.
 * @returns a handler that resolves true when it answered the request, false for any other path
 */
export function createInstallHandler(options: InstallHandlerOptions): InstallHandler {
  const agentDir = options.agentDir ?? defaultAgentDir();
  const { bundleFile, inputsFile, script } = agentBundleFiles(agentDir);
  const buildTimeoutMs = options.buildTimeoutMs ?? 120_000;
  let cached: Bundle | undefined;
  let building: Promise<Bundle> | undefined;

  const current = (): Promise<Bundle> => {
    if (building !== undefined) return building;
    const onDisk = freshBundleMtime(bundleFile, inputsFile, agentDir);
    if (cached !== undefined && onDisk === cached.mtimeMs) return Promise.resolve(cached);
    building = (async () => {
      if (onDisk === undefined) await runBundleScript(script, agentDir, buildTimeoutMs);
      const mtimeMs = statSync(bundleFile).mtimeMs;
      const bytes = readFileSync(bundleFile);
      cached = { bytes, mtimeMs, etag: `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 27)}"` };
      return cached;
    })().finally(() => {
      building = undefined;
    });
    return building;
  };

  return async (request, response, pathname) => {
    if (pathname !== INSTALL_PATH && pathname !== AGENT_BUNDLE_PATH) return false;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
      response.end(`${pathname} answers GET only\n`);
      return true;
    }
    if (pathname === INSTALL_PATH) {
      answerCommand(request, response, options.publicUrl());
      return true;
    }
    if (!existsSync(script)) {
      sendError(response, request, 503, `the agent bundle cannot be built on this server: ${script} does not exist`);
      return true;
    }
    let bundle: Bundle;
    try {
      bundle = await current();
    } catch (error) {
      sendError(response, request, 500, `building the agent bundle failed: ${error instanceof Error ? error.message : String(error)}`);
      return true;
    }
    if (request.headers["if-none-match"] === bundle.etag) {
      response.writeHead(304, { ETag: bundle.etag });
      response.end();
      return true;
    }
    response.writeHead(200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Content-Length": bundle.bytes.byteLength,
      "Content-Disposition": 'attachment; filename="handoff-agent.mjs"',
      "Cache-Control": "no-cache",
      ETag: bundle.etag,
    });
    response.end(request.method === "HEAD" ? undefined : bundle.bytes);
    return true;
  };
}

function answerCommand(request: IncomingMessage, response: ServerResponse, publicUrl: string): void {
  const query = new URL(request.url ?? "/", "http://handoff.local").searchParams;
  const name = query.get("name") ?? undefined;
  if (query.has("token")) {
    return sendError(response, request, 400, "query parameter token: tokens never travel in URLs; set HANDOFF_JOIN_TOKEN in the agent's environment instead");
  }
  if (name !== undefined && !MACHINE_NAME.test(name)) {
    return sendError(response, request, 400, "query parameter name: expected a machine name (letters, digits, _ . -, starting with a letter or digit, at most 100)");
  }
  const text = `${installCommand({ publicUrl, ...(name === undefined ? {} : { name }) })}\n`;
  response.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store" });
  response.end(request.method === "HEAD" ? undefined : text);
}

function sendError(response: ServerResponse, request: IncomingMessage, status: number, message: string): void {
  const text = `${message}\n`;
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  response.end(request.method === "HEAD" ? undefined : text);
}
