import { randomUUID } from "node:crypto";
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
import { cutOffBytesOf } from "./http/body-limits.ts";
import { createInstallHandler } from "./http/install.ts";
import { ResultRelay } from "./http/result-relay.ts";
import { createHttpServer, type WebHandler } from "./http/server.ts";
import { createLogger, type Logger } from "./log.ts";
import { createAgentRelay } from "./replica/agent-relay.ts";
import { createCredentialBus } from "./replica/credential-bus.ts";
import { deriveReplicaKeys, type ReplicaKeys } from "./replica/message-seal.ts";
import { redisSocketAdapter } from "./replica/redis-adapter.ts";
import { createReplica, type Replica } from "./replica/replica.ts";
import { createSystemTimers, systemClock } from "./scheduler/clock.ts";
import { Engine } from "./scheduler/engine.ts";
import { machinesBack } from "./triggers/machines-back.ts";
import { createTriggers } from "./triggers/triggers-service.ts";
import { resealHmacKeys } from "./triggers/webhook-hmac-key.ts";
import { createWebhookHandler } from "./triggers/webhook-handler.ts";
import { createApiServices } from "./services/api-services.ts";
import { createDagsService } from "./services/dags-service.ts";
import { createRunsService } from "./services/runs-service.ts";
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
  /**
   * Replicas: this server lost the leader lease and has stopped scheduling (its engine is fenced for good). Default:
   * exit with code 75, so a supervisor starts it again as a standby.
   */
  readonly onFenced?: (reason: string) => void;
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
  // Replicas must share the key (it also seals what they exchange on Redis): none is made here for them.
  const secretsKeys = loadSecretsKeys(config, { mayCreate: config.replicas === undefined });
  const replicaLink = config.replicas === undefined ? undefined : { redisUrl: config.replicas.redisUrl, keys: deriveReplicaKeys(secretsKeys.current.key, secretsKeys.previous.map(({ key }) => key)) };
  const db = await openDatabase(config.databaseUrl);
  makeFilesPrivate(config.dataDir, config.databaseUrl);
  // Replicas: this process's id in the leader lease and on the credential bus (a restarted process is a new one).
  const replicaId = randomUUID();
  const { tokens, sessions, codes, audit, live, authenticator, bus, throttle } = createAuth(db, config, log, replicaId, replicaLink);
  const bootstrapAdminToken = await ensureAdminToken(db, tokens, config.dataDir);
  const vault = new SecretVault({ db, keys: secretsKeys, log });
  await vault.start();
  await resealHmacKeys(db, secretsKeys, log);
  let publicUrl = config.publicUrl ?? "";
  const replica: Replica | undefined =
    config.replicas === undefined
      ? undefined
      : createReplica({
          databaseUrl: config.databaseUrl,
          replicaId,
          ttlMs: config.replicas.leaseTtlMs,
          renewMs: config.replicas.leaseRenewMs,
          log,
          url: () => publicUrl,
          onFenced: options.onFenced ?? (() => process.exit(75)),
        });
  const engine = new Engine({
    secretNames: () => vault.names(),
    db,
    log,
    noMachineGraceMs: config.noMachineGraceMs,
    machineTimeoutMs: config.machineTimeoutMs,
    heartbeatMs: config.heartbeatMs,
    resumeGraceMs: config.resumeGraceMs,
    ...(config.localMachine === undefined ? {} : { localMachine: config.localMachine }),
    ...(replica === undefined ? {} : { leadership: replica.leadership }),
  });
  // One server schedules from the start; a replica once it holds the leader lease (after it listens).
  if (replica === undefined) await engine.start();
  const relay = new ResultRelay(engine);

  const timers = createSystemTimers();
  // Schedules and webhooks start runs as runs.start does: through the (stateless) dags and runs services.
  const triggers = createTriggers({
    db,
    keys: secretsKeys,
    services: { dags: createDagsService({ engine, db }), runs: createRunsService({ engine, db, log }) },
    clock: systemClock,
    timers,
    log,
    pollMs: config.schedulePollMs,
  });
  const services = createApiServices({
    triggers: triggers.service,
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
    log,
  });
  const http = createHttpServer({
    config,
    log,
    services,
    authenticator,
    live,
    authRoutes: createAuthRoutes({ tokens, sessions, codes, authenticator, audit, publicUrl: () => publicUrl, cutOffBytes: cutOffBytesOf(config) }),
    // The one-line agent install answers without a token: the join token in the command is the credential.
    install: createInstallHandler({ publicUrl: () => publicUrl }),
    relay,
    webhooks: createWebhookHandler({ db, services, keys: secretsKeys, throttle, trustedProxyHops: config.trustProxyHops, cutOffBytes: cutOffBytesOf(config), log }),
    metricsText: () => engine.metricsText(),
    publicUrl: () => publicUrl,
    web: options.web,
    ...(replica === undefined ? {} : { role: () => (engine.isLeading() ? "leader" : "standby") }),
  });
  // Replicas: agents connect to any server; a standby forwards their messages to the leader, which answers through
  // socket.io's Redis adapter.
  const agentRelay = replicaLink === undefined ? undefined : createAgentRelay({ ...replicaLink, replicaId, log });
  const socketAdapter = replicaLink === undefined ? undefined : redisSocketAdapter({ ...replicaLink, log });
  const gateway = attachAgentGateway(http, {
    engine,
    tokens,
    log,
    maxMessageBytes: config.maxMessageBytes,
    secrets: { engine, vault, audit, log },
    bundles: db.functionBundles,
    ...(agentRelay === undefined || socketAdapter === undefined || replica === undefined ? {} : { replicas: { adapter: socketAdapter.adapter, relay: agentRelay, epoch: () => replica.leadership.epoch() } }),
  });
  // A new leader asks every connected agent, on every replica, to re-announce what it runs and holds.
  replica?.onLeading((epoch) => gateway.reannounce(epoch));

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${address.port}`;
  publicUrl = config.publicUrl ?? url;
  log.info("server listening", { url, database: db.provider, ...(replica === undefined ? {} : { replica: "standby until it holds the leader lease" }) });
  replica?.start(engine);
  // Firings wait (at most the resume grace) for the agents of the previous process, so a restart's catch-up finds them.
  // Replicas: only the leader fires schedules (a standby's run would be refused as not_leader).
  void leading(replica)
    .then(() => machinesBack(engine.previouslyConnected, (name) => engine.machines.get(name)?.status === "online", config.resumeGraceMs, timers))
    .then(() => triggers.runner.start());

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
      await triggers.runner.stop();
      gateway.detach();
      await engine.stop();
      await replica?.stop();
      bus?.close();
      agentRelay?.close();
      await gateway.io.close();
      socketAdapter?.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await db.close();
    },
  };
}

/** Tokens, sessions, sign-in codes, the audit log and the authenticator, wired so a revocation ends what it must. */
function createAuth(db: Database, config: ServerConfig, log: Logger, replicaId: string, replicaLink: { readonly redisUrl: string; readonly keys: ReplicaKeys } | undefined) {
  const tokens = new TokenService(db);
  const sessions = new SessionService(db);
  const codes = new SignInCodeService(db);
  const audit = new AuditLog(db, log);
  const live = new LiveCredentials();
  // Replicas: a revocation made here reaches the others' caches at once (Redis pub/sub), and theirs reach ours.
  const bus =
    replicaLink === undefined
      ? undefined
      : createCredentialBus({
          ...replicaLink,
          replicaId,
          log,
          onRemote: (kind, id) => {
            if (kind === "session") {
              sessions.forgetRevoked(id);
              live.sessionRevoked(id);
              return;
            }
            tokens.forgetRevoked(id);
            sessions.forgetToken(id);
            live.tokenRevoked(id);
          },
        });
  tokens.onRevoke((tokenId) => {
    live.tokenRevoked(tokenId);
    bus?.revoked("token", tokenId);
    void sessions.revokeByToken(tokenId).catch((error: unknown) => log.error("ending the sessions of a revoked token failed", { tokenId, error: String(error) }));
  });
  sessions.onRevoke((sessionId) => {
    live.sessionRevoked(sessionId);
    bus?.revoked("session", sessionId);
  });
  // One throttle for every credential: API tokens, sessions and webhook URLs (a refused one counts for its address).
  const throttle = new FailureThrottle(config.authThrottle);
  const authenticator = new Authenticator({ tokens, sessions, throttle, audit, log, trustedProxyHops: config.trustProxyHops });
  void audit.prune().catch(() => undefined);
  void sessions.prune().catch(() => undefined);
  return { tokens, sessions, codes, audit, live, authenticator, bus, throttle };
}

/**
 * Resolves once this server schedules: at once without replicas, a replica once its engine started under the lease.
 * No timer: a standby that closes before it ever leads leaves nothing running.
 */
function leading(replica: Replica | undefined): Promise<void> {
  return replica === undefined ? Promise.resolve() : new Promise((resolve) => replica.onLeading(() => resolve()));
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
