import path from "node:path";
import { z } from "zod";
import { isPostgresUrl } from "@handoff/db";
import { DefaultThrottlePolicy, type ThrottlePolicy } from "./auth/failure-throttle.ts";

/** Every setting the server reads, validated in one place. Unknown HANDOFF_* variables are ignored. */
const EnvSchema = z.object({
  HANDOFF_HOST: z.string().min(1).default("127.0.0.1"),
  HANDOFF_PORT: z.coerce.number().int().min(0).max(65_535).default(4400),
  /** What agents and browsers use to reach this server (printed, and put in join commands). */
  HANDOFF_PUBLIC_URL: z.string().url().optional(),
  /** `file:./path.db` (SQLite, default) or `postgresql://…`. */
  DATABASE_URL: z.string().min(1).optional(),
  HANDOFF_DATA_DIR: z.string().min(1).default(".handoff"),
  /** Largest API input or control message, in bytes. Bulk values go through the result path. */
  HANDOFF_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(1024 * 1024),
  /** Largest DAG file the API takes (dags.check, dags.save, runs.start), in bytes. */
  HANDOFF_MAX_DAG_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(16 * 1024 * 1024),
  HANDOFF_HEARTBEAT_MS: z.coerce.number().int().min(50).default(1000),
  /** A machine that sent no heartbeat for this long is offline. */
  HANDOFF_MACHINE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /** How long a waiting task may have no eligible machine online before it fails. */
  HANDOFF_NO_MACHINE_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /**
   * After a restart, how long the server waits for the machines of in-flight runs to reconnect (and report what
   * they finished meanwhile) before it resumes those runs; it resumes sooner once they are all back.
   */
  HANDOFF_RESUME_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /** How often the schedule runner re-reads the schedules (another server may have changed them). */
  HANDOFF_SCHEDULE_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Name of the machine whose agent runs beside the server (placement prefers it first). */
  HANDOFF_LOCAL_MACHINE: z.string().min(1).optional(),
  HANDOFF_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /**
   * How many proxies in front of the server append to X-Forwarded-For (0: ignore the header, the default).
   * The client address (throttling, audit) is then the N-th entry from the right. `true` means 1.
   */
  HANDOFF_TRUST_PROXY: z
    .union([z.literal("true").transform(() => 1), z.literal("false").transform(() => 0), z.coerce.number().int().min(0).max(10)])
    .default(0),
  /** Failed authentications per client address per minute before answers become 429. */
  HANDOFF_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Directory of the built dashboard (apps/web); without it only the API is served. */
  HANDOFF_WEB_DIR: z.string().min(1).optional(),
  /** The key that seals named secrets (32 bytes as 64 hex digits or base64); absent: `<data dir>/secrets.key` (0600, made at first start — never for replicas, which must share one: it also seals what they exchange on Redis). */
  HANDOFF_SECRETS_KEY: z.string().min(1).optional(),
  /** Keys that sealed secrets before a rotation, comma-separated: secrets under them are re-sealed with the current key at start. */
  HANDOFF_SECRETS_PREVIOUS_KEYS: z.string().min(1).optional(),
  /** Replicas (issue #18): with a PostgreSQL DATABASE_URL, several servers share the database and this Redis; one leads. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/\S+$/u, "must be a redis:// or rediss:// URL")
    .optional(),
  /** Replicas: how long the leader lease lasts without a renewal, and how often it is renewed (and standbys try to take it). */
  HANDOFF_LEASE_TTL_MS: z.coerce.number().int().min(500).max(60_000).default(3000),
  HANDOFF_LEASE_RENEW_MS: z.coerce.number().int().min(100).max(20_000).default(1000),
});

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string | undefined;
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly maxMessageBytes: number;
  readonly maxDagBytes: number;
  readonly heartbeatMs: number;
  readonly machineTimeoutMs: number;
  readonly noMachineGraceMs: number;
  readonly resumeGraceMs: number;
  readonly schedulePollMs: number;
  readonly localMachine: string | undefined;
  readonly logLevel: "debug" | "info" | "warn" | "error" | "silent";
  readonly webDir: string | undefined;
  readonly trustProxyHops: number;
  readonly authThrottle: ThrottlePolicy;
  /** `HANDOFF_SECRETS_KEY` as given (parsed by `loadSecretsKeys`), and the previous keys of a rotation. */
  readonly secretsKey: string | undefined;
  readonly previousSecretsKeys: readonly string[];
  /** Set: this server is one of several replicas (PostgreSQL only). */
  readonly replicas?: { readonly redisUrl: string; readonly leaseTtlMs: number; readonly leaseRenewMs: number };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads the configuration from environment variables; throws `ConfigError` naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const databaseUrl = e.DATABASE_URL ?? `file:${path.join(e.HANDOFF_DATA_DIR, "handoff.db")}`;
  if (e.REDIS_URL !== undefined && !isPostgresUrl(databaseUrl)) {
    throw new ConfigError("invalid configuration:\n  REDIS_URL: replicas share one PostgreSQL database: set DATABASE_URL=postgresql://… too (SQLite is one server)");
  }
  if (e.HANDOFF_LEASE_RENEW_MS * 2 > e.HANDOFF_LEASE_TTL_MS) {
    throw new ConfigError(`invalid configuration:\n  HANDOFF_LEASE_RENEW_MS: must be at most half of HANDOFF_LEASE_TTL_MS (${e.HANDOFF_LEASE_TTL_MS}), got ${e.HANDOFF_LEASE_RENEW_MS}`);
  }
  return {
    host: e.HANDOFF_HOST,
    port: e.HANDOFF_PORT,
    publicUrl: e.HANDOFF_PUBLIC_URL,
    databaseUrl,
    dataDir: e.HANDOFF_DATA_DIR,
    maxMessageBytes: e.HANDOFF_MAX_MESSAGE_BYTES,
    maxDagBytes: e.HANDOFF_MAX_DAG_BYTES,
    heartbeatMs: e.HANDOFF_HEARTBEAT_MS,
    machineTimeoutMs: e.HANDOFF_MACHINE_TIMEOUT_MS,
    noMachineGraceMs: e.HANDOFF_NO_MACHINE_GRACE_MS,
    resumeGraceMs: e.HANDOFF_RESUME_GRACE_MS,
    schedulePollMs: e.HANDOFF_SCHEDULE_POLL_MS,
    localMachine: e.HANDOFF_LOCAL_MACHINE,
    logLevel: e.HANDOFF_LOG_LEVEL,
    webDir: e.HANDOFF_WEB_DIR,
    trustProxyHops: e.HANDOFF_TRUST_PROXY,
    authThrottle: { ...DefaultThrottlePolicy, maxFailures: e.HANDOFF_AUTH_FAILURES_PER_MINUTE },
    secretsKey: e.HANDOFF_SECRETS_KEY,
    ...(e.REDIS_URL === undefined ? {} : { replicas: { redisUrl: e.REDIS_URL, leaseTtlMs: e.HANDOFF_LEASE_TTL_MS, leaseRenewMs: e.HANDOFF_LEASE_RENEW_MS } }),
    previousSecretsKeys: e.HANDOFF_SECRETS_PREVIOUS_KEYS?.split(",").map((key) => key.trim()).filter((key) => key !== "") ?? [],
  };
}
