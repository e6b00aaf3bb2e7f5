import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { grantNames, verifyAudience, verifyGrant, type FetchProofSubject, type Grant, type GrantEncode, type GrantRejection, type GrantSecret, type ProofCheck } from "@handoff/protocol/grant";
import { keepLastFew } from "@handoff/protocol/last-few";
import { FETCH_PROOF_HEADER, FETCH_PROOF_MAX_SKEW_MS, FETCH_PROOF_VERSIONS, verifyFetchProof, type FetchProofVersion } from "@handoff/protocol/machine-identity";
import { createBatchRequestParser, readBodyChunks } from "./batch-request.ts";
import { Refusal, type ResultFetchError } from "./result-fetch-error.ts";
import type { ResultStore } from "./result-store.ts";
import { readExact } from "./read-exact.ts";
import { sendFile } from "./send-file.ts";
import { encodeValue } from "./value-bytes.ts";

/** A batch answers at most this many grants; values above `BATCH_ITEM_MAX_BYTES` are answered `single` (fetch alone). */
export const BATCH_MAX_ITEMS = 1000;
export const BATCH_ITEM_MAX_BYTES = 256 * 1024;
const BATCH_MAX_BYTES = 32 * 2 ** 20;
const BATCH_BODY_MAX_BYTES = 4 * 2 ** 20;
const SHARED_CHECKS_KEPT = 16;

/** One entry of a batch answer's header; `single` means "ask for this one alone" (large, or an encode grant). */
export type BatchEntry =
  | { readonly ok: true; readonly size: number; readonly contentType: string }
  | { readonly ok: false; readonly error: ResultFetchError | { readonly kind: "single" } };

/** Runs an edge's encode step on this (the holder's) machine: `fn(value, holder, audience, ...args)`. */
export type EncodeOnHolder = (request: {
  readonly runId: string;
  readonly taskId: string;
  readonly encode: GrantEncode;
  readonly value: unknown;
  readonly holder: string;
  readonly audience: string;
}) => Promise<{ readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }>;

export type ResultServerOptions = {
  readonly store: ResultStore;
  /** The secret grants are signed with; a function when it arrives later (the server's welcome). Until then, 401. */
  readonly secret: GrantSecret | (() => GrantSecret | undefined);
  /** This machine's name: grants must name it as the holder. */
  readonly machine: string | (() => string);
  readonly port?: number;
  readonly host?: string;
  readonly now?: () => number;
  /** Runs a grant's `encode` transform (the agent passes its executor); without it such grants are refused. */
  readonly encode?: EncodeOnHolder;
  /** Called once per answered request (for logs and metrics). */
  readonly onRequest?: (request: { readonly method: string; readonly path: string; readonly status: number }) => void;
  /** The fetch-proof versions it accepts (default: every one this code knows); the agent's hello announces them. */
  readonly proofVersions?: readonly FetchProofVersion[];
};

export type ResultServer = { readonly url: string; readonly proofVersions: readonly FetchProofVersion[]; close(): Promise<void> };

const resultPath = /^\/results\/([^/]+)\/([^/]+)$/;

/**
 * Serves this machine's results to other agents: `GET /results/:runId/:taskId` with `Authorization: Bearer <grant>`
 * and `X-Handoff-Proof` (the grant's audience's signature: a grant replayed by anyone else is refused), streamed from
 * the store without holding the whole value; `GET /healthz` without auth. A grant that carries an edge's
 * `encode` makes the holder serve `encode.fn(value, holder, audience, ...args)` (run through `options.encode`) instead.
 *
 * @example
 * const server = await startResultServer({ store, secret, machine: "machine-a" });
 * // other agents: fetchResult({ url: server.url, runId, taskId, grant })
 */
export async function startResultServer(options: ResultServerOptions): Promise<ResultServer> {
  const { store } = options;
  const now = options.now ?? Date.now;
  const currentSecret = (): GrantSecret | undefined => (typeof options.secret === "function" ? options.secret() : options.secret);
  const currentMachine = (): string => (typeof options.machine === "function" ? options.machine() : options.machine);
  const proofVersions = options.proofVersions ?? FETCH_PROOF_VERSIONS;
  const verifyKeyProof = (publicKey: string, proof: string | undefined, subject: FetchProofSubject, at: number): ProofCheck => verifyFetchProof(publicKey, proof, subject, at, proofVersions);
  const fromAudience = (secret: GrantSecret, grant: Grant, request: IncomingMessage, subject: FetchProofSubject, at: number): ProofCheck => {
    const header = request.headers[FETCH_PROOF_HEADER];
    return verifyAudience(secret, grant, typeof header === "string" ? header : undefined, subject, { now: at, maxSkewMs: FETCH_PROOF_MAX_SKEW_MS, verifyKeyProof });
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? "/", "http://result-server").pathname;
    if (path === "/results/batch" && request.method === "POST") return handleBatch(request, response);
    if (request.method !== "GET") {
      response.setHeader("Allow", "GET");
      return sendJson(response, 405, { error: { kind: "invalid_request", message: "only GET /results/:run/:task and POST /results/batch" } });
    }
    const machine = currentMachine();
    if (path === "/healthz") return sendJson(response, 200, { ok: true, machine });

    const match = resultPath.exec(path);
    const ids = match === null ? undefined : decodeIds(match[1] ?? "", match[2] ?? "");
    if (ids === undefined) return sendJson(response, 404, { error: { kind: "not_found", message: "no such route" } });
    const { runId, taskId } = ids;

    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    if (token === undefined) {
      response.setHeader("WWW-Authenticate", "Bearer");
      return sendError(response, 401, Refusal.unauthorized());
    }
    const secret = currentSecret();
    if (secret === undefined) return sendError(response, 401, Refusal.unauthorized());
    const at = now();
    const verification = verifyGrant(secret, token, { now: at, holder: machine });
    if (!verification.ok) return sendError(response, 403, Refusal.forbidden(verification.reason));
    const proof = fromAudience(secret, verification.grant, request, { grants: [token] }, at);
    if (!proof.ok) return sendError(response, 403, Refusal.forbidden("wrong_audience", proof.why));
    if (verification.grant.runId !== runId || !grantNames(verification.grant, taskId)) {
      return sendError(response, 403, Refusal.forbidden("wrong_result"));
    }

    const { encode } = verification.grant;
    if (encode !== undefined) return serveEncoded(response, { runId, taskId, encode, audience: verification.grant.audience, machine });

    const meta = store.meta(runId, taskId);
    const inMemory = store.bytesInMemory(runId, taskId);
    const file = inMemory === undefined ? store.openFile(runId, taskId) : undefined;
    if (meta === undefined || (inMemory === undefined && file === undefined)) {
      const evicted = store.evictionReason(runId, taskId);
      return sendError(response, 404, Refusal.missing(evicted));
    }
    response.writeHead(200, {
      "Content-Type": meta.contentType,
      "Content-Length": String(meta.size),
      "X-Handoff-Content-Type": meta.contentType,
      "Cache-Control": "no-store",
    });
    // A value in memory goes to the socket in one write, without a copy; one on disk is sent from its file in blocks.
    if (inMemory !== undefined) return void response.end(Buffer.from(inMemory.buffer, inMemory.byteOffset, inMemory.byteLength));
    await sendFile(file!, meta.size, response);
    response.end();
  }

  /**
   * `POST /results/batch` with `{ "grants": [grant, ...] }`, or `{ "grants": [sharedGrant], "taskIds": [...] }` for
   * values one shared grant names: many small values in one answer, in the grants' (or the names') order —
   * a 4-byte big-endian header length, the header (a JSON array of `BatchEntry`), then the values' bytes back to back.
   * Each grant is checked on its own; a refused one is an entry with its error, not a refused batch.
   */
  async function handleBatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const secret = currentSecret();
    if (secret === undefined) return sendError(response, 401, Refusal.unauthorized());
    let grants: unknown;
    let taskIds: unknown;
    try {
      const { chunks, length } = await readBodyChunks(request, BATCH_BODY_MAX_BYTES);
      ({ grants, taskIds } = batchRequests.parse(chunks, length));
    } catch (error) {
      return sendJson(response, 400, { error: { kind: "invalid_request", message: (error as Error).message } });
    }
    if (!Array.isArray(grants) || grants.length > BATCH_MAX_ITEMS || grants.some((grant) => typeof grant !== "string")) {
      return sendJson(response, 400, { error: { kind: "invalid_request", message: `grants must be an array of at most ${BATCH_MAX_ITEMS} strings` } });
    }
    if (taskIds !== undefined && (!Array.isArray(taskIds) || grants.length !== 1 || taskIds.length > BATCH_MAX_ITEMS || taskIds.some((id) => typeof id !== "string"))) {
      return sendJson(response, 400, { error: { kind: "invalid_request", message: `taskIds must be an array of at most ${BATCH_MAX_ITEMS} strings, with exactly one (shared) grant` } });
    }
    const machine = currentMachine();
    const at = now();
    const entries: BatchEntry[] = [];
    const bodies: Uint8Array[] = [];
    let total = 0;
    // One proof signs the whole list (and the names asked for under a shared grant); checked once per audience key.
    const proofCovers: FetchProofSubject = { grants: grants as string[], names: taskIds as string[] | undefined };
    const proven = new Map<string, ProofCheck>();
    // Each item: its grant and the value asked for. A shared grant is checked once for the whole request: looking a
    // 100 KB token up again per item compares it in full each time (V8 hashes long strings by length only).
    const shared = taskIds === undefined ? undefined : checkGrant(secret, (grants as string[])[0]!, at, machine);
    if (shared?.ok === true) batchRequests.remember((grants as string[])[0]!);
    const names = taskIds as string[] | undefined;
    const count = names?.length ?? grants.length;
    for (let index = 0; index < count; index++) {
      const asked = names?.[index];
      const verification = shared ?? checkGrant(secret, (grants as string[])[index]!, at, machine);
      if (!verification.ok) {
        entries.push({ ok: false, error: Refusal.forbidden(verification.reason) });
        continue;
      }
      const audienceKey = verification.grant.audienceKey ?? `server:${verification.grant.audience}`;
      let proof = proven.get(audienceKey);
      if (proof === undefined) proven.set(audienceKey, (proof = fromAudience(secret, verification.grant, request, proofCovers, at)));
      if (!proof.ok) {
        entries.push({ ok: false, error: Refusal.forbidden("wrong_audience", proof.why) });
        continue;
      }
      if (asked !== undefined) {
        if (!verification.named.has(asked)) {
          entries.push({ ok: false, error: Refusal.forbidden("wrong_result") });
          continue;
        }
      }
      const { runId, encode } = verification.grant;
      const taskId = asked ?? verification.grant.taskId;
      const meta = store.meta(runId, taskId);
      if (encode !== undefined || (meta !== undefined && (meta.size > BATCH_ITEM_MAX_BYTES || total + meta.size > BATCH_MAX_BYTES))) {
        entries.push({ ok: false, error: { kind: "single" } });
        continue;
      }
      const inMemory = meta === undefined ? undefined : store.bytesInMemory(runId, taskId);
      const stream = meta === undefined || inMemory !== undefined ? undefined : store.openStream(runId, taskId);
      if (meta === undefined || (inMemory === undefined && stream === undefined)) {
        const evicted = store.evictionReason(runId, taskId);
        entries.push({ ok: false, error: Refusal.missing(evicted) });
        continue;
      }
      bodies.push(inMemory ?? (await readExact(stream!, meta.size)));
      total += meta.size;
      entries.push({ ok: true, size: meta.size, contentType: meta.contentType });
    }
    const header = Buffer.from(JSON.stringify(entries), "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.byteLength);
    response.writeHead(200, {
      "Content-Type": "application/x-handoff-batch",
      "Content-Length": String(4 + header.byteLength + total),
      "Cache-Control": "no-store",
    });
    // One `writev` from the values' own memory: gathering them into one new buffer first cost more than the rest of
    // the batch (fresh pages touched for the first time, 10 MB for ten thousand 1 KiB values).
    response.cork();
    response.write(length);
    response.write(header);
    for (const body of bodies) if (body.byteLength > 0) response.write(body);
    response.end();
    response.uncork();
  }

  // A shared grant (a fan-in's, naming thousands of values) comes with every batch of its consumer: checked once, then
  // remembered until it expires (the few most recent, under the secret they were checked with).
  const batchRequests = createBatchRequestParser();
  const sharedChecks = new Map<string, { readonly secret: GrantSecret; readonly grant: Grant; readonly named: ReadonlySet<string> }>();
  function checkGrant(secret: GrantSecret, token: string, at: number, machine: string): { ok: true; grant: Grant; named: ReadonlySet<string> } | { ok: false; reason: GrantRejection } {
    const known = sharedChecks.get(token);
    if (known !== undefined && known.secret === secret && at < known.grant.expiresAt && known.grant.holder === machine) return { ok: true, grant: known.grant, named: known.named };
    const verification = verifyGrant(secret, token, { now: at, holder: machine });
    if (!verification.ok) return verification;
    const named = new Set([verification.grant.taskId, ...(verification.grant.taskIds ?? [])]);
    if (verification.grant.taskIds !== undefined) keepLastFew(sharedChecks, token, { secret, grant: verification.grant, named }, SHARED_CHECKS_KEPT);
    return { ok: true, grant: verification.grant, named };
  }

  async function serveEncoded(
    response: ServerResponse,
    request: { readonly runId: string; readonly taskId: string; readonly encode: GrantEncode; readonly audience: string; readonly machine: string },
  ): Promise<void> {
    const { runId, taskId, machine } = request;
    if (options.encode === undefined) {
      return sendError(response, 500, Refusal.encodeFailed(`machine ${machine} cannot run edge transforms`));
    }
    const value = await store.get(runId, taskId);
    if (value === undefined) {
      const evicted = store.evictionReason(runId, taskId);
      return sendError(response, 404, Refusal.missing(evicted));
    }
    const outcome = await options.encode({ runId, taskId, encode: request.encode, audience: request.audience, value, holder: machine });
    if (!outcome.ok) return sendError(response, 500, Refusal.encodeFailed(`${request.encode.fn} failed on ${machine}: ${outcome.message}`));
    let encoded: ReturnType<typeof encodeValue>;
    try {
      encoded = encodeValue(outcome.value);
    } catch (error) {
      return sendError(response, 500, Refusal.encodeFailed(`${request.encode.fn} returned a value that cannot travel: ${(error as Error).message}`));
    }
    response.writeHead(200, {
      "Content-Type": encoded.contentType,
      "Content-Length": String(encoded.bytes.byteLength),
      "X-Handoff-Content-Type": encoded.contentType,
      "Cache-Control": "no-store",
    });
    response.end(encoded.bytes);
  }

  const server = createServer((request, response) => {
    response.on("finish", () => {
      options.onRequest?.({ method: request.method ?? "", path: request.url ?? "", status: response.statusCode });
    });
    handle(request, response).catch(() => {
      // The fetching agent went away mid-stream, or the file could not be read: end this response only.
      if (!response.headersSent) sendJson(response, 500, { error: { kind: "internal", message: "the result server failed to answer" } });
      else response.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    proofVersions,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

function decodeIds(runSegment: string, taskSegment: string): { runId: string; taskId: string } | undefined {
  try {
    return { runId: decodeURIComponent(runSegment), taskId: decodeURIComponent(taskSegment) };
  } catch {
    return undefined;
  }
}

/** A refusal in the API's one error shape, `{ error: { kind, message, details? } }`. */
function sendError(response: ServerResponse, status: number, error: ResultFetchError): void {
  sendJson(response, status, { error });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  response.end(text);
}
