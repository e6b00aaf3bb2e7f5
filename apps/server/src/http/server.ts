import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { openDatabase, type Database } from "@handoff/db";
import { appRouter } from "../api/router.ts";
import type { ApiContext } from "../api/trpc.ts";
import { AuditLog } from "../auth/audit-log.ts";
import { Authenticator, type Authentication } from "../auth/authenticator.ts";
import { FailureThrottle } from "../auth/failure-throttle.ts";
import { LiveCredentials } from "../auth/live-credentials.ts";
import { createAuthRoutes } from "../auth/login-routes.ts";
import { makeFilesPrivate } from "../auth/private-files.ts";
import { sessionCookie, SESSION_COOKIE } from "../auth/session-cookie.ts";
import { SessionService } from "../auth/sessions.ts";
import { SignInCodeService } from "../auth/sign-in-codes.ts";
import { TokenService } from "../auth/tokens.ts";
import type { ServerConfig } from "../env.ts";
import { attachAgentGateway } from "../gateway/agent-gateway.ts";
import { createLogger, type Logger } from "../log.ts";
import { Engine } from "../scheduler/engine.ts";
import { createInstallHandler } from "./install.ts";
import { cutOffAfter, trpcBodyLimit } from "./body-limits.ts";
import { pipeRelayed, ResultRelay } from "./result-relay.ts";
import { applySecurityHeaders, preparePage } from "./security-headers.ts";
import { sendFailure, sendJson } from "./send-json.ts";

export { SESSION_COOKIE };
export const SERVER_VERSION = "0.1.0";

export interface RunningServer {
  readonly url: string;
  readonly engine: Engine;
  readonly db: Database;
  readonly tokens: TokenService;
  readonly audit: AuditLog;
  /** Set when this start created the first admin token (the embedded default prints it). */
  readonly bootstrapAdminToken: string | undefined;
  /** A one-time sign-in link (`/login?code=…`, 10 minutes) for the bootstrap admin token, while it is valid. */
  signInLink(): Promise<string | undefined>;
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
  makeFilesPrivate(config.dataDir, config.databaseUrl);
  const db = await openDatabase(config.databaseUrl);
  makeFilesPrivate(config.dataDir, config.databaseUrl);
  const tokens = new TokenService(db);
  const sessions = new SessionService(db);
  const codes = new SignInCodeService(db);
  const audit = new AuditLog(db, log);
  const live = new LiveCredentials();
  tokens.onRevoke((tokenId) => {
    live.tokenRevoked(tokenId);
    void sessions.revokeByToken(tokenId).catch((error: unknown) => log.error("ending the sessions of a revoked token failed", { tokenId, error: String(error) }));
  });
  sessions.onRevoke((sessionId) => live.sessionRevoked(sessionId));
  const authenticator = new Authenticator({ tokens, sessions, throttle: new FailureThrottle(config.authThrottle), audit, log, trustedProxyHops: config.trustProxyHops });
  void audit.prune().catch(() => undefined);
  void sessions.prune().catch(() => undefined);
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
  const authRoutes = createAuthRoutes({ tokens, sessions, codes, authenticator, audit, publicUrl: () => publicUrl });

  // tRPC counts the body as it reads (a chunked body has no Content-Length) and answers PAYLOAD_TOO_LARGE in its
  // own format; DAG routes take a DAG file (HANDOFF_MAX_DAG_BYTES), everything else HANDOFF_MAX_MESSAGE_BYTES.
  const trpcWithLimit = (maxBodySize: number) =>
    createHTTPHandler({
      router: appRouter,
      basePath: "/api/trpc/",
      maxBodySize,
      // Queries whose input is a whole DAG (dags.check with 1,000 tasks) are too long for a URL: clients may POST them.
      allowMethodOverride: true,
      createContext: async ({ req, res }): Promise<ApiContext> => {
        const auth = await authenticator.authenticate(req);
        const principal = auth.kind === "authenticated" ? auth.principal : undefined;
        if (auth.kind === "refused" && auth.retryAfterSeconds !== undefined) {
          res.setHeader("Retry-After", String(auth.retryAfterSeconds));
          throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: `too many failed authentications from ${auth.address}; retry in ${auth.retryAfterSeconds} s` });
        }
        const watched = principal ? live.watch(principal) : undefined;
        if (watched) res.once("close", watched.release);
        return { engine, db, tokens, relay, config, publicUrl, principal, audit, codes, clientAddress: auth.address, credentialSignal: watched?.signal };
      },
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
    if (pathname === "/healthz") return sendJson(response, 200, { ok: true, version: SERVER_VERSION });
    if (pathname === "/metrics") {
      const principal = await principalOrRefuse(request, response, "a scrape or admin token is required");
      if (!principal) return;
      if (principal.kind !== "scrape" && principal.kind !== "admin") {
        return sendFailure(response, { kind: "forbidden", message: `a ${principal.kind} token cannot read /metrics` });
      }
      response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
      response.end(engine.metricsText());
      return;
    }
    if (pathname === "/api/auth/login" && request.method === "POST") return authRoutes.login(request, response);
    if (pathname === "/api/auth/logout" && request.method === "POST") return authRoutes.logout(request, response);
    if (pathname.startsWith("/api/trpc/")) {
      void trpcHandlers.get(trpcBodyLimit(pathname, config))!(request, response);
      // Attached in the same tick as tRPC's own reader, so neither misses a chunk.
      cutOffAfter(request, cutOffBytes);
      return;
    }
    const resultMatch = /^\/api\/results\/([^/]+)\/([^/]+)$/.exec(pathname);
    if (resultMatch && request.method === "GET") {
      const principal = await principalOrRefuse(request, response, "a valid admin or user token is required");
      if (!principal) return;
      if (principal.kind !== "admin" && principal.kind !== "user") return sendFailure(response, { kind: "forbidden", message: `a ${principal.kind} token cannot read results` });
      const from = url.searchParams.get("fromMachine") ?? undefined;
      const opened = await relay.open(decodeURIComponent(resultMatch[1]!), decodeURIComponent(resultMatch[2]!), from);
      if (!opened.ok) return sendFailure(response, opened.failure);
      pipeRelayed(opened.value, decodeURIComponent(resultMatch[2]!), response);
      return;
    }
    if (pathname.startsWith("/api/")) return sendFailure(response, { kind: "not_found", message: `no API route ${pathname}` });
    return serveWeb(request, response, pathname, url, () => authenticator.authenticate(request), { web: options.web, secure: publicUrl.startsWith("https:") });
  };

  /** The principal, or an answer already written: 401 without or with a refused credential, 429 with Retry-After when throttled. */
  const principalOrRefuse = async (request: IncomingMessage, response: ServerResponse, message: string) => {
    const auth = await authenticator.authenticate(request);
    if (auth.kind === "authenticated") return auth.principal;
    if (auth.kind === "refused" && auth.retryAfterSeconds !== undefined) {
      sendFailure(response, { kind: "too_many_requests", message: `too many failed authentications from ${auth.address}; retry in ${auth.retryAfterSeconds} s` }, { "Retry-After": String(auth.retryAfterSeconds) });
      return undefined;
    }
    sendFailure(response, { kind: "unauthorized", message });
    return undefined;
  };

  const http: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error("request failed", { url: request.url, error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) sendFailure(response, { kind: "internal", message: "the server failed to answer; see its log" });
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
    audit,
    bootstrapAdminToken,
    async signInLink() {
      const principal = bootstrapAdminToken === undefined ? undefined : await tokens.authenticate(bootstrapAdminToken);
      if (!principal) return undefined;
      const { code } = await codes.mint(principal.tokenId);
      audit.record({ kind: "auth.sign_in_code_minted", actor: principal, details: { by: "handoff start" } });
      return `${publicUrl}/login?code=${code}`;
    },
    async close() {
      await engine.stop();
      await io.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await db.close();
    },
  };
}


const publicWebPaths = [/^\/login\/?$/, /^\/_next\//, /^\/favicon\.ico$/];

async function serveWeb(
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
  url: URL,
  authenticate: () => Promise<Authentication>,
  { web, secure }: { web: WebHandler | undefined; secure: boolean },
): Promise<void> {
  if (!publicWebPaths.some((pattern) => pattern.test(pathname))) {
    const auth = await authenticate();
    const principal = auth.kind === "authenticated" ? auth.principal : undefined;
    if (!principal || (principal.kind !== "admin" && principal.kind !== "user")) {
      // A refused session cookie is cleared, so the browser stops sending it.
      response.writeHead(302, { Location: `/login?next=${encodeURIComponent(pathname + url.search)}`, ...(auth.kind === "refused" ? { "Set-Cookie": sessionCookie(null, { secure }) } : {}) });
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
