import type { AuditService } from "./services/audit.ts";
import type { Caller } from "./services/caller.ts";
import type { DagsService } from "./services/dags.ts";
import type { MachinesService } from "./services/machines.ts";
import type { ResultsService } from "./services/results.ts";
import type { RunsService } from "./services/runs.ts";
import type { SecretsService } from "./services/secrets.ts";
import type { FunctionsService } from "./services/functions.ts";
import type { SignInService } from "./services/sign-in.ts";
import type { TokensService } from "./services/tokens.ts";
import type { TriggersService } from "./services/triggers.ts";

/** What the routers work with: small services, built once by the server (apps/server/src/main.ts). */
export interface ApiServices {
  readonly machines: MachinesService;
  readonly runs: RunsService;
  readonly dags: DagsService;
  readonly results: ResultsService;
  readonly tokens: TokensService;
  readonly secrets: SecretsService;
  readonly functions: FunctionsService;
  readonly triggers: TriggersService;
  readonly audit: AuditService;
  readonly signIn: SignInService;
  /** The URL agents and browsers use to reach this server. */
  readonly publicUrl: () => string;
  /** The largest value or message the API carries (`HANDOFF_MAX_MESSAGE_BYTES`). */
  readonly maxMessageBytes: number;
}

/**
 * One request's context: the services and the caller.
 * @example
 * const ctx: ApiContext = { ...services, principal, clientAddress: "127.0.0.1", credentialSignal: undefined };
 * await createCaller(ctx).runs.list();
 */
export interface ApiContext extends ApiServices, Caller {}
