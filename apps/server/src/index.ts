export { startServer, SESSION_COOKIE, SERVER_VERSION, type RunningServer, type StartServerOptions, type WebHandler } from "./http/server.ts";
export { loadConfig, ConfigError, type ServerConfig } from "./env.ts";
export { createLogger, type Logger } from "./log.ts";
export { TokenService, hashToken, TokenRights, MaxTokenLifetimeHours, type Principal } from "./auth/tokens.ts";
export { Engine, RunRejectedError, type ResultRef, type RunEvent } from "./scheduler/engine.ts";
export type { AppRouter } from "./api/router.ts";
export { AuditLog, AuditKind, type AuditEntry } from "./auth/audit-log.ts";
export { SessionPolicy } from "./auth/sessions.ts";
export { SignInCodeTtlMs } from "./auth/sign-in-codes.ts";
