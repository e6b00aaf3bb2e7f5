import type { ServerResponse } from "node:http";
import { httpStatusOf, toApiErrorBody, type Failure } from "@handoff/protocol";

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { ...headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  response.end(text);
}

/**
 * Answers a raw HTTP route's failure in the API's one error shape, `{ error: { kind, message, details? } }`, with
 * the kind's HTTP status (protocol's `httpStatusOf`).
 * @example sendFailure(response, { kind: "not_found", message: "no API route /api/x" }) // 404
 */
export function sendFailure(response: ServerResponse, failure: Failure, headers: Record<string, string> = {}): void {
  sendJson(response, httpStatusOf(failure.kind), { error: toApiErrorBody(failure) }, headers);
}
