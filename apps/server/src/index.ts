export { startServer, type RunningServer, type StartServerOptions } from "./main.ts";
export { SESSION_COOKIE, SERVER_VERSION, type WebHandler } from "./http/server.ts";
export { loadConfig, ConfigError, type ServerConfig } from "./env.ts";
export { createLogger, type Logger } from "./log.ts";
export { TokenService, hashToken, TokenRights } from "./auth/tokens.ts";
export { Engine, RunRejectedError, type ResultRef, type RunEvent } from "./scheduler/engine.ts";
export { AuditLog } from "./auth/audit-log.ts";
export { SessionPolicy } from "./auth/sessions.ts";
export { SignInCodeTtlMs } from "./auth/sign-in-codes.ts";
