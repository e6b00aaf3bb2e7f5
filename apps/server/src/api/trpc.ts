import { initTRPC, TRPCError } from "@trpc/server";
import type { Database } from "@handoff/db";
import type { DagProblem } from "@handoff/core";
import type { Principal, TokenService } from "../auth/tokens.ts";
import type { ServerConfig } from "../env.ts";
import type { Engine } from "../scheduler/engine.ts";
import type { ResultRelay } from "../http/result-relay.ts";

export interface ApiContext {
  readonly engine: Engine;
  readonly db: Database;
  readonly tokens: TokenService;
  readonly relay: ResultRelay;
  readonly config: ServerConfig;
  /** The URL agents and browsers use to reach this server. */
  readonly publicUrl: string;
  readonly principal: Principal | undefined;
}

/** A failure that names the culprit; `problems` carries DAG problems to the client in `error.data.problems`. */
export class ApiError extends TRPCError {
  constructor(
    code: TRPCError["code"],
    message: string,
    readonly problems?: readonly DagProblem[],
  ) {
    super({ code, message });
  }
}

const t = initTRPC.context<ApiContext>().create({
  sse: { ping: { enabled: true, intervalMs: 5_000 }, client: { reconnectAfterInactivityMs: 15_000 } },
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        ...(error instanceof ApiError && error.problems ? { problems: error.problems } : {}),
        ...(error.code === "BAD_REQUEST" && error.cause && "issues" in error.cause ? { issues: error.cause.issues } : {}),
      },
    };
  },
});

export const router = t.router;

const authed = t.procedure.use(({ ctx, next }) => {
  if (!ctx.principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "a valid admin or user token is required" });
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});

/** Admin and user tokens: DAGs, runs and results. */
export const userProcedure = authed.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "admin" && ctx.principal.kind !== "user") {
    throw new TRPCError({ code: "FORBIDDEN", message: `a ${ctx.principal.kind} token cannot use the API` });
  }
  return next();
});

/** Admin tokens only: tokens, machine registration, data locations. */
export const adminProcedure = authed.use(({ ctx, next }) => {
  if (ctx.principal.kind !== "admin") throw new TRPCError({ code: "FORBIDDEN", message: "this call needs an admin token" });
  return next();
});

export const createCallerFactory = t.createCallerFactory;
