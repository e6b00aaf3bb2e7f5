import { initTRPC, TRPCError } from "@trpc/server";
import { formatIssues, toApiErrorBody, type Failure } from "@handoff/protocol";
import { ErrorKind, type DagProblem } from "@handoff/core";
import type { ApiContext } from "./context.ts";

/**
 * A failure that names the culprit; `problems` carries DAG problems to the client in `error.data.problems`, `kind`
 * (else derived from the code) and `details` travel in `error.data` (protocol's `ApiErrorBody`).
 */
export class ApiError extends TRPCError {
  constructor(
    code: TRPCError["code"],
    message: string,
    readonly problems?: readonly DagProblem[],
    readonly kind?: ErrorKind,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super({ code, message });
  }
}

/**
 * The one mapping of a domain failure to a tRPC error: its kind in `error.data.kind`, its other fields in
 * `error.data.details`, its message unprefixed.
 * @example throw failureError({ kind: "result_lost", message: "…", machine: "b", lostAt })
 */
export function failureError(failure: Failure): ApiError {
  const body = toApiErrorBody(failure);
  return new ApiError(CODE_OF_KIND[failure.kind] ?? "PRECONDITION_FAILED", body.message, undefined, failure.kind, body.details);
}

const CODE_OF_KIND: Partial<Record<ErrorKind, TRPCError["code"]>> = {
  [ErrorKind.NotFound]: "NOT_FOUND",
  [ErrorKind.TooLarge]: "PAYLOAD_TOO_LARGE",
  [ErrorKind.InvalidRequest]: "BAD_REQUEST",
  [ErrorKind.Unauthorized]: "UNAUTHORIZED",
  [ErrorKind.Forbidden]: "FORBIDDEN",
  [ErrorKind.Conflict]: "CONFLICT",
  [ErrorKind.Timeout]: "TIMEOUT",
  [ErrorKind.Internal]: "INTERNAL_SERVER_ERROR",
  [ErrorKind.NotLeader]: "SERVICE_UNAVAILABLE",
};

const t = initTRPC.context<ApiContext>().create({
  sse: { ping: { enabled: true, intervalMs: 5_000 }, client: { reconnectAfterInactivityMs: 15_000 } },
  errorFormatter({ shape, error, input }) {
    const described = describeApiError(error, input);
    const rawIssues = error.code === "BAD_REQUEST" && error.cause && "issues" in error.cause ? error.cause.issues : undefined;
    return {
      ...shape,
      message: described.message,
      data: {
        ...shape.data,
        stack: undefined,
        kind: described.kind,
        ...(described.details !== undefined ? { details: described.details } : {}),
        ...(described.problems ? { problems: described.problems } : {}),
        ...(rawIssues ? { issues: rawIssues } : {}),
      },
    };
  },
});

/** A failed call in the API's words: tRPC puts it in `error.message`/`error.data`, REST answers it as `ApiErrorBody`. */
export interface DescribedError {
  readonly message: string;
  readonly kind: ErrorKind | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
  readonly problems?: readonly DagProblem[] | undefined;
  /** Input errors, each with its field's path (`dag.file.tasks[0].timeoutMs`). */
  readonly issues?: readonly { readonly path: string; readonly message: string }[] | undefined;
}

/**
 * The one reading of a failed call: input errors read as `dag.file.tasks[0].timeoutMs: must be …` (not zod's
 * JSON dump), the kind from the error catalogue.
 */
export function describeApiError(error: TRPCError, input: unknown): DescribedError {
  const rawIssues = error.code === "BAD_REQUEST" && error.cause && "issues" in error.cause ? (error.cause.issues as Parameters<typeof formatIssues>[0]) : undefined;
  const issues = rawIssues === undefined ? undefined : formatIssues(rawIssues, input);
  const problems = error instanceof ApiError ? error.problems : undefined;
  return {
    message: issues === undefined ? error.message : issues.map((issue) => `${issue.path || "(input)"}: ${issue.message}`).join("; "),
    kind: (error instanceof ApiError ? error.kind : undefined) ?? errorKind(error.code, problems, issues),
    details: error instanceof ApiError ? error.details : undefined,
    problems,
    issues,
  };
}

/** The error catalogue's word for a failed call (ARCHITECTURE.md), in `error.data.kind`. */
function errorKind(code: TRPCError["code"], problems: readonly DagProblem[] | undefined, issues: readonly { path: string }[] | undefined): ErrorKind | undefined {
  if (problems?.[0]) return problems[0].kind;
  if (issues?.some((issue) => /^(dag\.)?file\.tasks\[/.test(issue.path))) return "invalid_task";
  return KIND_OF_CODE[code];
}

const KIND_OF_CODE: Partial<Record<TRPCError["code"], ErrorKind>> = {
  PAYLOAD_TOO_LARGE: ErrorKind.TooLarge,
  UNAUTHORIZED: ErrorKind.Unauthorized,
  FORBIDDEN: ErrorKind.Forbidden,
  BAD_REQUEST: ErrorKind.InvalidRequest,
  NOT_FOUND: ErrorKind.NotFound,
  CONFLICT: ErrorKind.Conflict,
  PRECONDITION_FAILED: ErrorKind.PreconditionFailed,
  TIMEOUT: ErrorKind.Timeout,
  INTERNAL_SERVER_ERROR: ErrorKind.Internal,
  TOO_MANY_REQUESTS: ErrorKind.TooManyRequests,
  SERVICE_UNAVAILABLE: ErrorKind.NotLeader,
};

export const router = t.router;
export const mergeRouters = t.mergeRouters;

const authed = t.procedure.use(async ({ ctx, type, next }) => {
  if (!ctx.principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "a valid admin or user token is required" });
  const result = await next({ ctx: { ...ctx, principal: ctx.principal } });
  if (type !== "subscription" || !result.ok || !ctx.credentialSignal) return result;
  return { ...result, data: endsWithCredential(result.data as AsyncIterable<unknown>, ctx.credentialSignal) };
});

/**
 * A subscription ends, with UNAUTHORIZED, as soon as the token or session it was opened with is revoked or
 * expires: a live `runs.watch` must not outlive the credential that opened it.
 */
async function* endsWithCredential<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T, void> {
  const iterator = source[Symbol.asyncIterator]();
  const ended = new Promise<never>((_, reject) => {
    const fail = (): void => {
      const reason = signal.reason instanceof Error ? signal.reason.message : "the credential ended";
      reject(new TRPCError({ code: "UNAUTHORIZED", message: `${reason}: the subscription is closed` }));
    };
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
  ended.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), ended]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Not awaited: the source may be parked in a wait that only its own signal ends.
    void iterator.return?.()?.catch(() => undefined);
  }
}

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
