import type { ApiServices, TriggersService } from "@handoff/api";
import type { Database } from "@handoff/db";
import type { AuditLog } from "../auth/audit-log.ts";
import type { SignInCodeService } from "../auth/sign-in-codes.ts";
import type { TokenService } from "../auth/tokens.ts";
import type { ResultRelay } from "../http/result-relay.ts";
import type { Engine } from "../scheduler/engine.ts";
import type { Logger } from "../log.ts";
import { createDagsService } from "./dags-service.ts";
import { createFunctionsService } from "./functions-service.ts";
import { createMachinesService, type ServerMachines } from "./machines-service.ts";
import { createResultsService } from "./results-service.ts";
import { createRunsService } from "./runs-service.ts";
import { createSecretsService } from "./secrets-service.ts";
import type { SecretVault } from "../secrets/secret-vault.ts";
import { createTokensService } from "./tokens-service.ts";

export interface ApiServicesOptions {
  readonly triggers: TriggersService;
  readonly engine: Engine;
  readonly db: Database;
  readonly relay: ResultRelay;
  readonly tokens: TokenService;
  readonly audit: AuditLog;
  readonly codes: SignInCodeService;
  readonly localMachine: string | undefined;
  readonly maxMessageBytes: number;
  readonly publicUrl: () => string;
  readonly vault: SecretVault;
  /** Logs the loading of shipped functions before a run (default: silent). */
  readonly log?: Logger;
}

/**
 * Every service the API's routers use, built over the engine's public methods and the repositories. `machines` is
 * returned with its server-side extras (`live`, `publicKeyOf`) for the server's own use.
 * @example
 * const services = createApiServices({ engine, db, relay, tokens, audit, codes, localMachine, maxMessageBytes, publicUrl, vault });
 * createCallerFactory(appRouter)({ ...services, principal, clientAddress, credentialSignal: undefined });
 */
export function createApiServices(options: ApiServicesOptions): ApiServices & { readonly machines: ServerMachines } {
  const { engine, db } = options;
  const machines = createMachinesService({ engine, localMachine: options.localMachine, publicUrl: options.publicUrl });
  return {
    machines,
    runs: createRunsService({ engine, db, ...(options.log === undefined ? {} : { log: options.log }) }),
    dags: createDagsService({ engine, db }),
    results: createResultsService({ engine, db, relay: options.relay, machines }),
    tokens: createTokensService({ tokens: options.tokens, db }),
    secrets: createSecretsService(options.vault),
    functions: createFunctionsService({ engine, db }),
    triggers: options.triggers,
    audit: options.audit,
    signIn: options.codes,
    publicUrl: options.publicUrl,
    maxMessageBytes: options.maxMessageBytes,
  };
}
