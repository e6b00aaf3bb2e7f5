import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The procedures whose input is a whole DAG file, or a function bundle (`functions.push`, whose code is bounded at
 * 12 MiB by its schema), on /api/trpc and REST: they take up to `maxDagBytes`.
 */
export const DAG_PROCEDURES: ReadonlySet<string> = new Set(["dags.check", "dags.save", "runs.start", "runs.execute", "functions.push"]);

export interface BodyLimits {
  /** Every other body (API input, login), `HANDOFF_MAX_MESSAGE_BYTES`. */
  readonly maxMessageBytes: number;
  /** A DAG file, `HANDOFF_MAX_DAG_BYTES`. */
  readonly maxDagBytes: number;
}

/** The limit for a tRPC request: a (batched) call naming a DAG procedure may carry a DAG file. */
export function trpcBodyLimit(pathname: string, limits: BodyLimits): number {
  const procedures = decodeURIComponent(pathname.slice("/api/trpc/".length)).split(",");
  return procedures.some((name) => DAG_PROCEDURES.has(name)) ? limits.maxDagBytes : limits.maxMessageBytes;
}

/**
 * Closes the connection once a request has sent more than `capBytes`, whoever reads it. The handler
 * answers `too_large` when its own limit is passed (counting as it reads); this stops a client that keeps
 * streaming afterwards (a chunked 100 MB body) from being read to the end.
 */
/** Past this many bytes of a request body the connection is cut (twice the largest body any route accepts). */
export function cutOffBytesOf(limits: { readonly maxMessageBytes: number; readonly maxDagBytes: number }): number {
  return 2 * Math.max(limits.maxMessageBytes, limits.maxDagBytes);
}

export function cutOffAfter(request: IncomingMessage, capBytes: number): void {
  let seen = 0;
  const onData = (chunk: Buffer): void => {
    seen += chunk.byteLength;
    if (seen > capBytes) {
      request.off("data", onData);
      // destroySoon: an answer already written still reaches the client before the connection closes.
      request.socket.destroySoon();
    }
  };
  request.on("data", onData);
}

export type BodyRead = { readonly ok: true; readonly text: string; readonly bytes: Buffer } | { readonly ok: false; readonly kind: "too_large"; readonly message: string };

/**
 * Reads a whole body of at most `limit` bytes, counting what arrives (a chunked body has no Content-Length).
 * Past the limit it stops buffering and answers `too_large`; the rest is discarded as it arrives.
 */
export function readBody(request: IncomingMessage, limit: number, cutOffBytes: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    cutOffAfter(request, cutOffBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    let isOver = false;
    request.on("data", (chunk: Buffer) => {
      if (isOver) return;
      size += chunk.byteLength;
      if (size <= limit) return void chunks.push(chunk);
      isOver = true;
      chunks.length = 0;
      resolve({ ok: false, kind: "too_large", message: `the request body is over the limit of ${limit} bytes` });
    });
    request.on("end", () => {
      if (!isOver) {
        const bytes = Buffer.concat(chunks);
        resolve({ ok: true, text: bytes.toString("utf8"), bytes });
      }
    });
    request.on("error", reject);
  });
}

/**
 * For a handler that may answer before reading the whole body (a limit passed mid-body): such an answer says
 * `Connection: close` and is ended once the rest of the body has arrived (discarded), then the connection closes
 * cleanly. Answering early on a kept-alive connection left Node's parser stalled on the client's next request
 * there, and closing at once could reset the client before it read the answer. A client still sending after
 * `lingerBytes` more gets the answer then, and the cut-off closes the connection later.
 */
export function answerAfterBody(request: IncomingMessage, response: ServerResponse, lingerBytes: number): void {
  const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
  response.writeHead = ((...args: unknown[]) => {
    if (!request.complete) response.setHeader("Connection", "close");
    return writeHead(...args);
  }) as typeof response.writeHead;
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.end = ((...args: unknown[]) => {
    if (request.complete || request.destroyed) return end(...args);
    let lingered = 0;
    const endNow = (): void => {
      request.off("data", onData);
      if (!response.writableEnded) end(...args);
    };
    const onData = (chunk: Buffer): void => {
      lingered += chunk.byteLength;
      if (lingered > lingerBytes) endNow();
    };
    request.on("data", onData);
    request.once("end", endNow);
    request.once("close", endNow);
    request.resume();
    return response;
  }) as typeof response.end;
}
