export { isPostgresUrl, openDatabase, parseDatabaseUrl, type Database } from "./open-database.ts";
export { LeaseLostError, leaderLeaseRepository, type LeaderLeaseRepository, type LeaseGrant } from "./leader-lease.ts";
export { isUniqueViolation } from "./is-unique-violation.ts";
export type { DatabaseLocation } from "./deploy-migrations.ts";
export type { TaskCounts } from "./task-counts.ts";
export type { DatabaseClient, DatabaseProvider, TransactionClient } from "./database-client.ts";
export {
  createMachineRepository,
  MachineStatus,
  type MachineRecord,
  type MachineRegistration,
  type MachineRepository,
} from "./machine-repository.ts";
export {
  createDagRepository,
  type CreateDagResult,
  type DagRecord,
  type DagRepository,
  type DagVersionRecord,
  type NewDag,
  type SaveDagVersionResult,
} from "./dag-repository.ts";
export { createRunRepository, type RunRepository } from "./run-repository.ts";
export {
  maxResultPreviewBytes,
  type AttemptChange,
  type AttemptRecord,
  type ChangeBatch,
  type InFlightRun,
  type NewRun,
  type RunChange,
  type RunFilter,
  type RunPage,
  type RunRecord,
  type LostStore,
  type RunSummary,
  type TaskChange,
  type TaskRecord,
} from "./run-records.ts";
export {
  createLogRepository,
  LogLevel,
  type LogPage,
  type LogQuery,
  type LogRecord,
  type LogRepository,
  type NewLogEntry,
} from "./log-repository.ts";
export {
  createTokenRepository,
  TokenKind,
  type NewToken,
  type RevokeTokenResult,
  type TokenRecord,
  type TokenRepository,
} from "./token-repository.ts";
export {
  createSessionRepository,
  type NewSession,
  type SessionRecord,
  type SessionRepository,
} from "./session-repository.ts";
export {
  createSignInCodeRepository,
  type NewSignInCode,
  type RedeemSignInCodeResult,
  type SignInCodeRepository,
} from "./sign-in-code-repository.ts";
export {
  createAuditRepository,
  type AuditPage,
  type AuditQuery,
  type AuditRecord,
  type AuditRepository,
  type NewAuditEvent,
} from "./audit-repository.ts";
export { createFunctionBundleRepository, type FunctionBundleMeta, type FunctionBundleRepository } from "./function-bundle-repository.ts";
export { createSecretRepository, type SecretMeta, type SecretRecord, type SecretRepository } from "./secret-repository.ts";
export {
  createScheduleRepository,
  type FiringOutcome,
  type FiringRecord,
  type ScheduleRecord,
  type ScheduleRepository,
  type ScheduleSettings,
} from "./schedule-repository.ts";
export {
  createWebhookRepository,
  type DeliveryOutcome,
  type DeliveryRecord,
  type NewWebhook,
  type WebhookRecord,
  type WebhookRepository,
} from "./webhook-repository.ts";
