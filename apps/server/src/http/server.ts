import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { appRouter, type ApiContext, type ApiServices } from "@handoff/api";
import type { Authenticator, Authentication } from "../auth/authenticator.ts";
import type { LiveCredentials } from "../auth/live-credentials.ts";
import type { createAuthRoutes } from "../auth/login-routes.ts";
import { sessionCookie, SESSION_COOKIE } from "../auth/session-cookie.ts";
import type { ServerConfig } from "../env.ts";
import type { Logger } from "../log.ts";
import type { InstallHandler } from "./install.ts";
import { answerAfterBody, cutOffAfter, cutOffBytesOf, trpcBodyLimit } from "./body-limits.ts";
import { pipeRelayed, type ResultRelay } from "./result-relay.ts";
import { createRestApi } from "./rest-api.ts";
import { applySecurityHeaders, preparePage } from "./security-headers.ts";
import { sendFailure, sendJson } from "./send-json.ts";
import { installTextEncoderStream } from "./text-encoder-stream.ts";

export { SESSION_COOKIE };
export const SERVER_VERSION = "0.1.0";

export type WebHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface HttpServerOptions {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly services: ApiServices;
  readonly authenticator: Authenticator;
  readonly live: LiveCredentials;
  readonly authRoutes: ReturnType<typeof createAuthRoutes>;
  readonly install: InstallHandler;
  readonly relay: ResultRelay;
  /** `POST /hooks/<token>`: answers (true) for the webhook paths, authenticated by the URL's token. */
  readonly webhooks: (request: IncomingMessage, response: ServerResponse, pathname: string) => Promise<boolean>;
  readonly metricsText: () => string;
  readonly publicUrl: () => string;
  /** The dashboard's request handler (Next.js), mounted for every path the API does not own. */
  readonly web: WebHandler | undefined;
  /** Replicas: whether this server leads (said by `/healthz`). */
  readonly role?: () => "leader" | "standby";
}

/**
 * The one origin's HTTP server (not listening yet): the tRPC API, raw result downloads, login, `/metrics`, the agent
 * install script and the dashboard. It builds nothing: every collaborator comes from `main.ts`.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const { config, log, services, authenticator, live, authRoutes, install, relay } = options;
  // tRPC encodes every SSE event with `new TextEncoderStream()`: Node 20's took minutes for a 9.5 MB event.
  installTextEncoderStream();
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
        return { ...services, principal, clientAddress: auth.address, credentialSignal: watched?.signal };
      },
      onError: ({ error, path: procedure }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") log.error("api error", { procedure, error: error.message, cause: String(error.cause) });
      },
    });
  const trpcHandlers = new Map([config.maxMessageBytes, config.maxDagBytes].map((limit) => [limit, trpcWithLimit(limit)]));
  // Past the handler's limit a client that keeps sending is cut off here, so a 100 MB body is never read to its end.
  const cutOffBytes = cutOffBytesOf(config);
  const rest = createRestApi({ services, authenticate: (request) => authenticator.authenticate(request), live, limits: config, cutOffBytes, log, version: SERVER_VERSION, publicUrl: options.publicUrl });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://handoff.local");
    const pathname = url.pathname;
    if (pathname.startsWith("/socket.io/")) return; // socket.io answers these itself
    applySecurityHeaders(response);
    // An early answer waits for at most a quarter of the cut-off more: with every route's limit at most half of it,
    // the answer is out before the cut-off can close the connection under it.
    answerAfterBody(request, response, cutOffBytes / 4);
    // A body nobody reads is drained by Node after the answer; never more than the cut-off of it.
    response.once("finish", () => {
      if (!request.complete) cutOffAfter(request, cutOffBytes);
    });
    if (await install(request, response, pathname)) return;
    if (pathname === "/healthz") return sendJson(response, 200, { ok: true, version: SERVER_VERSION, ...(options.role === undefined ? {} : { role: options.role() }) });
    if (pathname === "/metrics") {
      const principal = await principalOrRefuse(request, response, "a scrape or admin token is required");
      if (!principal) return;
      if (principal.kind !== "scrape" && principal.kind !== "admin") {
        return sendFailure(response, { kind: "forbidden", message: `a ${principal.kind} token cannot read /metrics` });
      }
      response.writeHead(200, { "Content-Type": "text/plain; version=0.0.4" });
      response.end(options.metricsText());
      return;
    }
    if (await options.webhooks(request, response, pathname)) return;
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
    if (pathname.startsWith("/api/") && (await rest(request, response, url))) return;
    if (pathname.startsWith("/api/")) return sendFailure(response, { kind: "not_found", message: `no API route ${pathname}` });
    return serveWeb(request, response, pathname, url, () => authenticator.authenticate(request), { web: options.web, secure: options.publicUrl().startsWith("https:") });
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

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error("request failed", { url: request.url, error: error instanceof Error ? error.message : String(error) });
      if (!response.headersSent) sendFailure(response, { kind: "internal", message: "the server failed to answer; see its log" });
      else response.destroy();
    });
  });
  // An idle kept-alive connection is closed after 65 s, not Node's 5 s: a client (undici, a load balancer) that
  // reuses one just as the server closes it gets "other side closed" on a request the server never saw. Clients
  // drop idle connections sooner (undici: the Keep-Alive hint minus its margin), so the server's close never races.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  return server;
}

const KEEP_ALIVE_MS = 65_000;


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
