import { connect, type Socket } from "node:net";
import { createBlockRing, type BlockRing, type WriteBlock } from "./body-blocks.ts";

/** Where the body of an answer goes, chosen once its status and `Content-Length` are known. */
export type BodySink =
  /** Read straight into this buffer (its length is the body's): the kernel writes into it, nothing is copied. */
  | { readonly kind: "buffer"; readonly target: Uint8Array }
  /**
   * Read into a few reused blocks, each handed to `write` when full (a value larger than memory, written to a file):
   * no copy and no allocation per read. The answer settles once every write has ended; `onEnd` is called first.
   */
  | { readonly kind: "blocks"; readonly write: WriteBlock; readonly onEnd: (error?: Error) => void };

export type DirectAnswer = { readonly status: number; readonly headers: ReadonlyMap<string, string>; readonly size: number };

export type DirectGetRequest = {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent as a `POST` with this body, in pieces written together (a batch's request); without it the request is a `GET`. */
  readonly body?: readonly Uint8Array[] | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Chooses where the body goes; throwing refuses the answer (the request fails with that error). */
  readonly sinkFor: (answer: DirectAnswer) => BodySink;
};

/** A connection that ended the last answer cleanly waits here at most this long for the next request. */
const IDLE_MS = 2_000;
const MAX_IDLE_PER_ORIGIN = 8;
const HEADER_MAX_BYTES = 64 * 1024;
const READ_MAX_BYTES = 8 * 2 ** 20;

type Exchange = {
  nextBuffer(): Uint8Array;
  onRead(data: Uint8Array): void;
  fail(error: Error): void;
};

type Connection = { readonly socket: Socket; exchange: Exchange | undefined; idleTimer: NodeJS.Timeout | undefined; hasFailed: boolean };

const idle = new Map<string, Connection[]>();
const spare = Buffer.alloc(64 * 1024); // read target while no exchange is running (bytes then mean a broken connection)

function open(url: URL): Connection {
  const conn: Connection = { socket: undefined as unknown as Socket, exchange: undefined, idleTimer: undefined, hasFailed: false };
  const socket = connect({
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port || 80),
    noDelay: true,
    onread: {
      buffer: () => conn.exchange?.nextBuffer() ?? spare,
      // Node calls `buffer` after each read for the next one: the bytes of a read land in the buffer chosen after
      // the previous read (the first read of an exchange in `spare`), which `callback` receives.
      callback: (bytes: number, buffer: Uint8Array) => {
        if (conn.exchange === undefined) {
          socket.destroy(new Error("the result server sent bytes nobody asked for"));
          return false;
        }
        conn.exchange.onRead(buffer.subarray(0, bytes));
        return true;
      },
    },
  });
  const gone = (error?: Error): void => {
    conn.hasFailed = true;
    forget(url.host, conn);
    conn.exchange?.fail(error ?? new Error("the result server closed the connection mid-answer"));
  };
  socket.once("error", gone);
  socket.once("end", () => gone());
  socket.once("close", () => gone());
  (conn as { socket: Socket }).socket = socket;
  return conn;
}

function forget(origin: string, conn: Connection): void {
  const list = idle.get(origin);
  const index = list?.indexOf(conn) ?? -1;
  if (index !== -1) list!.splice(index, 1);
  if (conn.idleTimer !== undefined) clearTimeout(conn.idleTimer);
}

function release(origin: string, conn: Connection): void {
  conn.exchange = undefined;
  const list = idle.get(origin) ?? [];
  if (conn.hasFailed || list.length >= MAX_IDLE_PER_ORIGIN) {
    conn.socket.destroy();
    return;
  }
  list.push(conn);
  idle.set(origin, list);
  conn.idleTimer = setTimeout(() => {
    forget(origin, conn);
    conn.socket.destroy();
  }, IDLE_MS).unref();
}

/**
 * An HTTP/1.1 GET (or a POST with a small body) that reads a large answer straight into its final buffer (`net` `onread`): no HTTP parser or stream
 * between the socket and the value, and no copy in JavaScript. Connections are kept alive and reused per origin. Only
 * answers with a `Content-Length` are accepted (the result server always sends one).
 */
export async function directGet(request: DirectGetRequest): Promise<DirectAnswer> {
  const origin = request.url.host;
  const reused = idle.get(origin)?.pop();
  if (reused !== undefined) {
    forget(origin, reused);
    try {
      return await exchangeOn(reused, request);
    } catch (error) {
      // A kept connection the server closed meanwhile fails before any byte of the answer: try once on a new one.
      if (!(error instanceof StaleConnectionError)) throw error;
    }
  }
  return exchangeOn(open(request.url), request);
}

class StaleConnectionError extends Error {}

function exchangeOn(conn: Connection, request: DirectGetRequest): Promise<DirectAnswer> {
  return new Promise((resolve, reject) => {
    const header = Buffer.allocUnsafe(HEADER_MAX_BYTES);
    let headerBytes = 0;
    let answer: DirectAnswer | undefined;
    let sink: BodySink | undefined;
    let ring: BlockRing | undefined;
    let received = 0;
    let isSettled = false;

    const settle = (error: Error | undefined): void => {
      if (isSettled) return;
      isSettled = true;
      request.signal?.removeEventListener("abort", onAbort);
      if (error !== undefined) {
        conn.exchange = undefined;
        conn.socket.destroy();
        const failed = headerBytes === 0 && !(error instanceof AbortedError) ? new StaleConnectionError(error.message) : error;
        if (sink?.kind !== "blocks" || ring === undefined) return reject(failed);
        // The blocks being written end first: the file is closed (or removed) only after its last write.
        const blocks = sink;
        ring.fail(error);
        ring.done.catch(() => undefined).finally(() => {
          blocks.onEnd(error);
          reject(failed);
        });
        return;
      }
      release(request.url.host, conn);
      if (sink?.kind !== "blocks" || ring === undefined) return resolve(answer!);
      const blocks = sink;
      ring.done.then(
        () => {
          blocks.onEnd();
          resolve(answer!);
        },
        (writeError: Error) => {
          blocks.onEnd(writeError);
          reject(writeError);
        },
      );
    };
    const onAbort = (): void => settle(new AbortedError("the fetch was aborted"));
    if (request.signal?.aborted === true) return reject(new AbortedError("the fetch was aborted"));
    request.signal?.addEventListener("abort", onAbort, { once: true });

    const startBody = (leftover: Buffer): void => {
      try {
        sink = request.sinkFor(answer!);
      } catch (error) {
        settle(error as Error);
        return;
      }
      if (sink.kind === "buffer" && sink.target.byteLength !== answer!.size) {
        settle(new Error(`body buffer of ${sink.target.byteLength} bytes for an answer of ${answer!.size}`));
        return;
      }
      if (sink.kind === "blocks") {
        // A failed write ends the exchange at once (the socket may be paused waiting for that block).
        ring = createBlockRing(answer!.size, sink.write, () => void conn.socket.resume());
        ring.done.catch((error: Error) => settle(error));
      }
      acceptBody(leftover);
    };
    const acceptBody = (bytes: Uint8Array): void => {
      if (received + bytes.byteLength > answer!.size) return settle(new Error(`the result server sent more than the announced ${answer!.size} bytes`));
      if (ring !== undefined) return acceptBlock(bytes);
      if (sink!.kind === "buffer") sink!.target.set(bytes, received);
      received += bytes.byteLength;
      if (received === answer!.size) settle(undefined);
    };
    const acceptBlock = (bytes: Uint8Array): void => {
      try {
        ring!.accept(bytes);
      } catch (error) {
        return settle(error as Error);
      }
      received += bytes.byteLength;
      if (received === answer!.size) return settle(undefined);
      if (!ring!.hasRoom()) conn.socket.pause(); // every block is being written: `onRoom` resumes
    };

    conn.exchange = {
      nextBuffer() {
        if (answer === undefined) return header.subarray(headerBytes);
        const left = answer.size - received;
        if (sink?.kind === "buffer") return sink.target.subarray(received, received + Math.max(1, Math.min(left, READ_MAX_BYTES)));
        // While every block is being written the socket is paused (reads stop at once); were one to come anyway, the
        // ring refuses it and the exchange fails — never a silent overwrite.
        return ring?.nextBuffer() ?? spare.subarray(0, Math.max(1, Math.min(left, spare.byteLength)));
      },
      onRead(data) {
        if (answer === undefined) {
          if (!isAt(data, header, headerBytes)) {
            if (headerBytes + data.byteLength > HEADER_MAX_BYTES) return settle(new Error(`the result server's answer header is over ${HEADER_MAX_BYTES} bytes`));
            header.set(data, headerBytes);
          }
          headerBytes += data.byteLength;
          const end = header.subarray(0, headerBytes).indexOf("\r\n\r\n");
          if (end === -1) {
            if (headerBytes === HEADER_MAX_BYTES) settle(new Error(`the result server's answer header is over ${HEADER_MAX_BYTES} bytes`));
            return;
          }
          const parsed = parseHead(header.subarray(0, end).toString("latin1"));
          if (typeof parsed === "string") return settle(new Error(parsed));
          answer = parsed;
          startBody(header.subarray(end + 4, headerBytes));
          return;
        }
        if (sink?.kind === "buffer" && isAt(data, sink.target, received)) {
          // The kernel already wrote these bytes into the target.
          received += data.byteLength;
          if (received === answer.size) settle(undefined);
          return;
        }
        acceptBody(data);
      },
      fail: (error) => settle(error),
    };
    const path = `${request.url.pathname}${request.url.search}`;
    const { body } = request;
    const length = body?.reduce((sum, piece) => sum + piece.byteLength, 0);
    const lines = [`${body === undefined ? "GET" : "POST"} ${path} HTTP/1.1`, `Host: ${request.url.host}`, "Connection: keep-alive", ...(length === undefined ? [] : [`Content-Length: ${length}`]), ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`)];
    if (body === undefined) return void conn.socket.write(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
    // Head and body leave in one write (`writev`), not several packets.
    conn.socket.cork();
    conn.socket.write(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
    for (const piece of body) if (piece.byteLength > 0) conn.socket.write(piece);
    conn.socket.uncork();
  });
}

function isAt(data: Uint8Array, target: Uint8Array, offset: number): boolean {
  return data.buffer === target.buffer && data.byteOffset === target.byteOffset + offset;
}

class AbortedError extends Error {
  override readonly name = "AbortError";
}

function parseHead(text: string): DirectAnswer | string {
  const [statusLine = "", ...lines] = text.split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (status === undefined) return `the result server sent a malformed status line ${JSON.stringify(statusLine.slice(0, 80))}`;
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const size = Number(headers.get("content-length"));
  if (headers.has("transfer-encoding") || !Number.isSafeInteger(size) || size < 0) return "the result server sent no usable Content-Length";
  return { status: Number(status), headers, size };
}
