import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { AuditKind } from "@handoff/api";
import { openDatabase, type Database, type DatabaseProvider } from "@handoff/db";
import { ensureAdminToken } from "./auth/admin-token.ts";
import { AuditLog } from "./auth/audit-log.ts";
import { Authenticator } from "./auth/authenticator.ts";
import { FailureThrottle } from "./auth/failure-throttle.ts";
import { LiveCredentials } from "./auth/live-credentials.ts";
import { createAuthRoutes } from "./auth/login-routes.ts";
import { makeFilesPrivate } from "./auth/private-files.ts";
import { SessionService } from "./auth/sessions.ts";
import { SignInCodeService } from "./auth/sign-in-codes.ts";
import { TokenService } from "./auth/tokens.ts";
import { ConfigError, loadConfig, type ServerConfig } from "./env.ts";
import { attachAgentGateway } from "./gateway/agent-gateway.ts";
import { createInstallHandler } from "./http/install.ts";
import { ResultRelay } from "./http/result-relay.ts";
import { createHttpServer, type WebHandler } from "./http/server.ts";
import { createLogger, type Logger } from "./log.ts";
import { Engine } from "./scheduler/engine.ts";
import { createApiServices } from "./services/api-services.ts";
import { SecretVault } from "./secrets/secret-vault.ts";
import { loadSecretsKeys } from "./secrets/secrets-key.ts";

export interface RunningServer {
  readonly url: string;
  readonly databaseProvider: DatabaseProvider;
  /** Tokens, for the embedded default's local agent (a join token for its first join). */
  readonly tokens: Pick<TokenService, "create" | "revoke">;
  /** The identity key bound to a machine's name (base64url SPKI), null while none is. */
  machinePublicKey(name: string): string | null;
  /** Set when this start created the first admin token (the embedded default prints it). */
  readonly bootstrapAdminToken: string | undefined;
  /** A one-time sign-in link (`/login?code=…`, 10 minutes) for the bootstrap admin token, while it is valid. */
  signInLink(): Promise<string | undefined>;
  close(): Promise<void>;
}

export interface StartServerOptions {
  readonly config: ServerConfig;
  readonly log?: Logger;
  /** The dashboard's request handler (Next.js), mounted for every path the API does not own. */
  readonly web?: WebHandler;
}

/**
 * The composition root: the one place that builds the database, the auth services, the engine, the API's services,
 * the HTTP server and the agent gateway, and wires them together on one origin.
 * @example
 * const server = await startServer({ config: loadConfig() });
 * console.log(server.url); // http://127.0.0.1:4400
 * await server.close();
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const log = options.log ?? createLogger(config.logLevel);
  makeFilesPrivate(config.dataDir, config.databaseUrl);
  // Before the database opens: a key file others can read stops the start.
  const secretsKeys = loadSecretsKeys(config);
  const db = await openDatabase(config.databaseUrl);
  makeFilesPrivate(config.dataDir, config.databaseUrl);
  const { tokens, sessions, codes, audit, live, authenticator } = createAuth(db, config, log);
  const bootstrapAdminToken = await ensureAdminToken(db, tokens, config.dataDir);
  const vault = new SecretVault({ db, keys: secretsKeys, log });
  await vault.start();
  const engine = new Engine({
    secretNames: () => vault.names(),
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
  const services = createApiServices({
    engine,
    db,
    relay,
    tokens,
    audit,
    codes,
    localMachine: config.localMachine,
    maxMessageBytes: config.maxMessageBytes,
    publicUrl: () => publicUrl,
    vault,
  });
  const http = createHttpServer({
    config,
    log,
    services,
    authenticator,
    live,
    authRoutes: createAuthRoutes({ tokens, sessions, codes, authenticator, audit, publicUrl: () => publicUrl }),
    // The one-line agent install answers without a token: the join token in the command is the credential.
    install: createInstallHandler({ publicUrl: () => publicUrl }),
    relay,
    metricsText: () => engine.metricsText(),
    publicUrl: () => publicUrl,
    web: options.web,
  });
  const io = attachAgentGateway(http, { engine, tokens, log, maxMessageBytes: config.maxMessageBytes, secrets: { engine, vault, audit, log } });

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
    databaseProvider: db.provider,
    tokens,
    machinePublicKey: (name) => services.machines.publicKeyOf(name),
    bootstrapAdminToken,
    async signInLink() {
      const principal = bootstrapAdminToken === undefined ? undefined : await tokens.authenticate(bootstrapAdminToken);
      if (!principal) return undefined;
      const { code } = await codes.mint(principal.tokenId);
      audit.record({ kind: AuditKind.SignInCodeMinted, actor: principal, details: { by: "handoff start" } });
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

/** Tokens, sessions, sign-in codes, the audit log and the authenticator, wired so a revocation ends what it must. */
function createAuth(db: Database, config: ServerConfig, log: Logger) {
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
  return { tokens, sessions, codes, audit, live, authenticator };
}

/** `tsx src/main.ts`: the server alone, configured from the environment. */
async function runServerCli(): Promise<void> {
  // Everything the server writes (data dir, SQLite and its -wal/-shm, admin-token) is for its own user only.
  process.umask(0o077);
  try {
    const server = await startServer({ config: loadConfig() });
    console.log(`handoff server on ${server.url}`);
    if (server.bootstrapAdminToken) console.log(`admin token: ${server.bootstrapAdminToken}`);
    const stop = (): void => void server.close().then(() => process.exit(0));
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runServerCli();
}
