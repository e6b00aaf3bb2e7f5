import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { openDatabase, type Database } from "@handoff/db";
import { appRouter } from "../api/router.ts";
import type { ApiContext } from "../api/trpc.ts";
import { TokenService, type Principal } from "../auth/tokens.ts";
import type { ServerConfig } from "../env.ts";
import { attachAgentGateway } from "../gateway/agent-gateway.ts";
import { createLogger, type Logger } from "../log.ts";
import { Engine } from "../scheduler/engine.ts";
import { createInstallHandler } from "./install.ts";
import { cutOffAfter, readBody, trpcBodyLimit } from "./body-limits.ts";
import { pipeRelayed, ResultRelay } from "./result-relay.ts";
import { applySecurityHeaders, preparePage } from "./security-headers.ts";

export const SESSION_COOKIE = "handoff_session";
export const SERVER_VERSION = "0.1.0";

export interface RunningServer {
  readonly url: string;
  readonly engine: Engine;
  readonly db: Database;
  readonly tokens: TokenService;
  /** Set when this start created the first admin token (the embedded default prints it). */
  readonly bootstrapAdminToken: string | undefined;
  close(): Promise<void>;
}

export type WebHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface StartServerOptions {
  readonly config: ServerConfig;
  readonly log?: Logger;
  /** The dashboard's request handler (Next.js), mounted for every path the API does not own. */
  readonly web?: WebHandler;
}

/** Starts the control plane: database, scheduler, API, agent gateway, all on one origin. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  mkdirSync(config.dataDir, { recursive: true });
  const db = await openDatabase(config.databaseUrl);
  const tokens = new TokenService(db);
  const bootstrapAdminToken = await ensureAdminToken(db, tokens, config.dataDir);
  const engine = new Engine({
    db,
    log,
    noMachineGraceMs: config.noMachineGraceMs,
    machineTimeoutMs: config.machineTimeoutMs,
    heartbeatMs: config.heartbeatMs,
    resumeGraceMs: config.resumeGraceMs,
    ...(config.localMachine === undefined ? {} : { localMachine: config.localMachine }),
  });
  await engine.start();
  const relay = new ResultRelay(engine);

  let publicUrl = config.publicUrl ?? "";
  const principalOf = (request: IncomingMessage): Promise<Principal | undefined> => tokens.authenticate(credentialOf(request));

  // tRPC counts the body as it reads (a chunked body has no Content-Length) and answers PAYLOAD_TOO_LARGE in its
  // own format; DAG routes take a DAG file (HANDOFF_MAX_DAG_BYTES), everything else HANDOFF_MAX_MESSAGE_BYTES.
  const trpcWithLimit = (maxBodySize: number) =>
    createHTTPHandler({
      router: appRouter,
      basePath: "/api/trpc/",
      maxBodySize,
      // Queries whose input is a whole DAG (dags.check with 1,000 tasks) are too long for a URL: clients may POST them.
      allowMethodOverride: true,
      createContext: async ({ req }): Promise<ApiContext> => ({ engine, db, tokens, relay, config, publicUrl, principal: await principalOf(req) }),
      onError: ({ error, path: procedure }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") log.error("api error", { procedure, error: error.message, cause: String(error.cause) });
      },
    });
  const trpcHandlers = new Map([config.maxMessageBytes, config.maxDagBytes].map((limit) => [limit, trpcWithLimit(limit)]));
  // Past the handler's limit a client that keeps sending is cut off here, so a 100 MB body is never read to its end.
  const cutOffBytes = 2 * Math.max(config.maxMessageBytes, config.maxDagBytes);

  // The one-line agent install answers without a token: the join token in the command is the credential.
  const install = createInstallHandler({ publicUrl: () => publicUrl });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://handoff.local");
    const pathname = url.pathname;
    if (pathname.startsWith("/socket.io/")) return; // socket.io answers these itself
    applySecurityHeaders(response);
    // A body nobody reads is drained by Node after the answer; never more than the cut-off of it.
    response.once("finish", () => {
      if (!request.complete) cutOffAfter(request, cutOffBytes);
    });
    if (await install(request, response, pathname)) return;
    if (pathname === "/healthz") return json(response, 200, { ok: true, version: SERVER_VERSION });
    if (pathname === "/metrics") {
      const principal = await principalOf(request);
      if (!principal) return json(response, 401, { error: { kind: "unauthorized", message: "a scrape or admin token is required" } });
      if (principal.kind !== "scrape" && principal.kind !== "admin") {
        return json(response, 403, { error: { kind: "forbidden", message: `a ${principal.kind} token cannot read /metrics` } });
      }
      response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
      response.end(engine.metricsText());
      return;
    }
    if (pathname === "/api/auth/login" && request.method === "POST") return login(request, response, tokens, config.maxMessageBytes, cutOffBytes);
    if (pathname === "/api/auth/logout" && request.method === "POST") {
      response.writeHead(204, { "Set-Cookie": `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` });
      response.end();
      return;
    }
    if (pathname.startsWith("/api/trpc/")) {
      void trpcHandlers.get(trpcBodyLimit(pathname, config))!(request, response);
      // Attached in the same tick as tRPC's own reader, so neither misses a chunk.
      cutOffAfter(request, cutOffBytes);
      return;
    }
    const resultMatch = /^\/api\/results\/([^/]+)\/([^/]+)$/.exec(pathname);
    if (resultMatch && request.method === "GET") {
      const principal = await principalOf(request);
      if (!principal) return json(response, 401, { error: { kind: "unauthorized", message: "a valid admin or user token is required" } });
      if (principal.kind !== "admin" && principal.kind !== "user") return json(response, 403, { error: { kind: "forbidden", message: `a ${principal.kind} token cannot read results` } });
      const from = url.searchParams.get("fromMachine") ?? undefined;
      const opened = await relay.open(decodeURIComponent(resultMatch[1]!), decodeURIComponent(resultMatch[2]!), from);
      if (!opened.ok) return json(response, opened.failure.kind === "not_found" ? 404 : 409, { error: opened.failure });
      pipeRelayed(opened.value, decodeURIComponent(resultMatch[2]!), response);
      return;
    }
    if (pathname.startsWith("/api/")) return json(response, 404, { error: { kind: "not_found", message: `no API route ${pathname}` } });
    return serveWeb(request, response, pathname, url, principalOf, options.web);
  };

  const http: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error("request failed", { url: request.url, error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) json(response, 500, { error: { kind: "internal", message: "the server failed to answer; see its log" } });
      else response.destroy();
    });
  });
  const io = attachAgentGateway(http, { engine, tokens, log, maxMessageBytes: config.maxMessageBytes });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${address.port}`;
  publicUrl = config.publicUrl ?? url;
  log.info("server listening", { url, database: db.provider });

  return {
    url,
    engine,
    db,
    tokens,
    bootstrapAdminToken,
    async close() {
      await engine.stop();
      await io.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await db.close();
    },
  };
}

function credentialOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  const cookie = request.headers.cookie;
  if (!cookie) return undefined;
  for (const part of cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  response.end(text);
}

async function login(request: IncomingMessage, response: ServerResponse, tokens: TokenService, limit: number, cutOffBytes: number): Promise<void> {
  const body = await readBody(request, Math.min(limit, 64 * 1024), cutOffBytes);
  if (!body.ok) return json(response, 413, { error: { kind: body.kind, message: body.message } });
  let token: unknown;
  try {
    token = (JSON.parse(body.text) as { token?: unknown }).token;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string") return json(response, 400, { error: { kind: "invalid_request", message: 'expected a JSON body {"token": "..."}' } });
  const principal = await tokens.authenticate(token);
  if (!principal) return json(response, 401, { error: { kind: "unauthorized", message: "this token is unknown or revoked" } });
  if (principal.kind !== "admin" && principal.kind !== "user") {
    return json(response, 403, { error: { kind: "forbidden", message: `a ${principal.kind} token cannot sign in to the dashboard` } });
  }
  response.writeHead(204, { "Set-Cookie": `${SESSION_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${30 * 24 * 3600}` });
  response.end();
}

const publicWebPaths = [/^\/login\/?$/, /^\/_next\//, /^\/favicon\.ico$/];

async function serveWeb(
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
  url: URL,
  principalOf: (request: IncomingMessage) => Promise<Principal | undefined>,
  web: WebHandler | undefined,
): Promise<void> {
  if (!publicWebPaths.some((pattern) => pattern.test(pathname))) {
    const principal = await principalOf(request);
    if (!principal || (principal.kind !== "admin" && principal.kind !== "user")) {
      response.writeHead(302, { Location: `/login?next=${encodeURIComponent(pathname + url.search)}` });
      response.end();
      return;
    }
  }
  if (web) {
    preparePage(request, response);
    return web(request, response);
  }
  response.writeHead(pathname === "/login" ? 200 : 404, { "Content-Type": "text/plain; charset=utf-8" });
  response.end("The dashboard is not built on this server (apps/web). The API is at /api/trpc.\n");
}

/**
 * The first start creates an admin token and keeps it in `<dataDir>/admin-token` (mode 600) so the
 * embedded default can print a sign-in line on every start. Later starts reuse it while it is valid.
 */
async function ensureAdminToken(db: Database, tokens: TokenService, dataDir: string): Promise<string | undefined> {
  const file = path.join(dataDir, "admin-token");
  if (existsSync(file)) {
    const saved = readFileSync(file, "utf8").trim();
    if ((await tokens.authenticate(saved))?.kind === "admin") return saved;
  }
  const existing = (await db.tokens.list()).filter((token) => token.kind === "admin" && !token.revokedAt);
  if (existing.length > 0) return undefined;
  const { token } = await tokens.create("bootstrap admin", "admin", null);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
