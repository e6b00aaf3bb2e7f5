import { z } from "zod";
import { ErrorKind } from "@handoff/core";

/**
 * The one error shape of every API answer: a kind from the catalogue (`ErrorKind`), a message for people, and the
 * details a program may use (`result_lost`: `machine`, `lostAt`). Raw HTTP routes answer `{ error: ApiErrorBody }`;
 * tRPC routes carry the same in `error.message`, `error.data.kind` and `error.data.details`. A kind never travels
 * as a prefix of the message.
 */
export const ApiErrorBody = z.object({
  // Text, not the enum: a client must read a kind a newer server added.
  kind: z.string().min(1),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** A failure as code holds it: a kind, a message, and any other fields (they become `details`). */
export type Failure = { readonly kind: ErrorKind; readonly message: string } & Readonly<Record<string, unknown>>;

/**
 * The wire body of a failure: its extra fields move into `details`.
 * @example toApiErrorBody({ kind: "result_lost", message: "…", machine: "b" }) // { kind: "result_lost", message: "…", details: { machine: "b" } }
 */
export function toApiErrorBody(failure: Failure): ApiErrorBody {
  const { kind, message, ...details } = failure;
  return Object.keys(details).length === 0 ? { kind, message } : { kind, message, details };
}

/** The HTTP status a raw route answers a kind with. */
export function httpStatusOf(kind: ErrorKind): number {
  return HTTP_STATUS[kind] ?? 409;
}

const HTTP_STATUS: Partial<Record<ErrorKind, number>> = {
  [ErrorKind.InvalidRequest]: 400,
  [ErrorKind.InvalidTask]: 400,
  [ErrorKind.Unauthorized]: 401,
  [ErrorKind.Forbidden]: 403,
  [ErrorKind.NotFound]: 404,
  [ErrorKind.Conflict]: 409,
  [ErrorKind.PreconditionFailed]: 412,
  [ErrorKind.TooLarge]: 413,
  [ErrorKind.TooManyRequests]: 429,
  [ErrorKind.Internal]: 500,
  [ErrorKind.Unreachable]: 502,
  [ErrorKind.NotLeader]: 503,
};
