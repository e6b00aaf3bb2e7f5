import {
  AgentEvent,
  AgentToServer,
  PROTOCOL_VERSION,
  ResultPut,
  ResultsPin,
  RunEnded,
  TaskAbort,
  TaskAssign,
  TaskAssignItem,
  formatIssues,
  parseReply,
  type AgentChallenge,
  type AgentHeartbeat,
  type AgentHello,
  type AgentWelcome,
  type EmitEvents,
  type GrantRefreshed,
  type ListenEvents,
  type ResultPutReply,
  type ServerToAgent,
  type TaskFinishedItem,
  type ResultEvictedItem,
  type TaskLogItem,
} from "@handoff/protocol";
import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import type { ResolveSecrets } from "./executor/attempt-secrets.ts";

export type AgentLogLevel = "info" | "warn" | "error";
export type AgentLog = (level: AgentLogLevel, message: string) => void;

/** The server refused this agent for good: a bad or revoked token, or a hello it cannot read. */
export type ConnectionFatal = { readonly kind: string; readonly message: string };

export type ConnectionOptions = {
  readonly serverUrl: string;
  /** A join token (sent as `auth.token`); needed only until the server has bound this machine's identity. */
  readonly token?: string;
  /** Built at every (re)connection, so `running` lists the attempts still in flight. */
  readonly hello: () => Omit<AgentHello, "v" | "identity">;
  /** Proves the machine's identity for a hello: its public key and its signature of the server's challenge. */
  readonly identify: (challenge: AgentChallenge, name: string) => AgentHello["identity"];
  readonly heartbeat: () => Omit<AgentHeartbeat, "v" | "at">;
  readonly onWelcome: (welcome: AgentWelcome) => void;
  readonly onAssign: (item: TaskAssignItem) => void;
  readonly onAbort: (abort: TaskAbort) => void;
  readonly onResultPut: (put: ResultPut) => Promise<ResultPutReply>;
  /** A run ended: its values may age out now. */
  readonly onRunEnded?: (runId: string) => void;
  /** A re-run reuses values kept under earlier runs: keep them until it ends. */
  readonly onResultsPin?: (pin: ResultsPin) => void;
  /** The connection gave up (unauthorized, forbidden, a hello the server cannot read); it is closed already. */
  readonly onFatal: (error: ConnectionFatal) => void;
  readonly log: AgentLog;
  /** Batches of `task:finished` and `task:logs` leave after this delay or at `maxBatchItems` (default 5 ms, 1,000). */
  /** 0 (default): flush at the end of the current event-loop turn. */
  readonly flushDelayMs?: number;
  readonly maxBatchItems?: number;
  readonly reconnectDelayMs?: number;
  readonly reconnectDelayMaxMs?: number;
  readonly helloTimeoutMs?: number;
};

export type Connection = {
  sendFinished(item: TaskFinishedItem): void;
  /** Reports a value this agent dropped, so the server answers `evicted` at once. */
  sendEvicted(item: ResultEvictedItem): void;
  sendLog(item: TaskLogItem): void;
  /** Asks the server for a fresh grant in place of an expired one; undefined when it refuses or is unreachable. */
  refreshGrant(grant: string): Promise<GrantRefreshed | undefined>;
  /** Asks the server for the values of the secrets an attempt of this agent refers to (`secret:resolve`). */
  resolveSecrets: ResolveSecrets;
  /** Connected and welcomed: reports flow. */
  isWelcomed(): boolean;
  close(): void;
};

const MAX_QUEUED_LOGS = 100_000;
const FATAL_KINDS = new Set(["unauthorized", "forbidden", "invalid_message"]);

// Items are read one by one, so one malformed item does not drop the others beside it.
const AssignEnvelope = TaskAssign.extend({ items: z.array(z.unknown()).min(1) });
const RefusalData = z.object({ kind: z.string() });

type AgentSocket = Socket<ListenEvents<ServerToAgent>, EmitEvents<AgentToServer>>;

/**
 * The agent's side of the socket.io link to the server (path `/socket.io`, websocket only): hello on every
 * (re)connection, heartbeats, assignments and aborts in, finished reports and logs out in batches. Every incoming
 * message is parsed; a malformed one is logged with the field path and ignored. Reports made while disconnected wait
 * for the next welcome.
 * @example
 * const connection = connectToServer({ serverUrl, token, hello, heartbeat, onWelcome, onAssign, onAbort, onResultPut, onFatal, log });
 * connection.sendFinished({ ok: true, attemptId, result, metrics });
 */
export function connectToServer(options: ConnectionOptions): Connection {
  const flushDelayMs = options.flushDelayMs ?? 0;
  const maxBatchItems = options.maxBatchItems ?? 1_000;
  const reconnectDelayMs = options.reconnectDelayMs ?? 250;
  const reconnectDelayMaxMs = options.reconnectDelayMaxMs ?? 5_000;
  const { log } = options;

  const socket: AgentSocket = io(options.serverUrl, {
    path: "/socket.io",
    auth: options.token === undefined ? {} : { token: options.token },
    transports: ["websocket"],
    reconnection: true,
    reconnectionDelay: reconnectDelayMs,
    reconnectionDelayMax: reconnectDelayMaxMs,
  });

  let isWelcomed = false;
  let isClosed = false;
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let flushImmediate: ReturnType<typeof setImmediate> | undefined;
  let manualRetry: ReturnType<typeof setTimeout> | undefined;
  let manualRetries = 0;
  let droppedLogs = 0;
  const finished: TaskFinishedItem[] = [];
  const logs: TaskLogItem[] = [];
  const evicted: ResultEvictedItem[] = [];

  const fatal = (error: ConnectionFatal): void => {
    if (isClosed) return;
    close();
    options.onFatal(error);
  };

  // socket.io does not retry by itself after the server refused the handshake or kicked the socket.
  const retryLater = (why: string): void => {
    if (isClosed || manualRetry !== undefined) return;
    const delayMs = Math.min(reconnectDelayMaxMs, reconnectDelayMs * 2 ** manualRetries);
    manualRetries += 1;
    log("warn", `${why}; reconnecting in ${delayMs} ms`);
    manualRetry = setTimeout(() => {
      manualRetry = undefined;
      if (!isClosed) socket.connect();
    }, delayMs);
  };

  const flush = (): void => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    flushImmediate = undefined;
    if (!isWelcomed || !socket.connected) return;
    // Logs first: the server attributes an attempt's log lines while the attempt is still open.
    while (logs.length > 0) socket.emit(AgentEvent.TaskLogs, { v: PROTOCOL_VERSION, items: logs.splice(0, maxBatchItems) });
    while (finished.length > 0) socket.emit(AgentEvent.TaskFinished, { v: PROTOCOL_VERSION, items: finished.splice(0, maxBatchItems) });
    while (evicted.length > 0) socket.emit(AgentEvent.ResultEvicted, { v: PROTOCOL_VERSION, items: evicted.splice(0, maxBatchItems) });
    if (droppedLogs > 0) {
      log("warn", `dropped ${droppedLogs} task log lines while disconnected (more than ${MAX_QUEUED_LOGS} queued)`);
      droppedLogs = 0;
    }
  };

  const scheduleFlush = (): void => {
    if (finished.length >= maxBatchItems || logs.length >= maxBatchItems) flush();
    // With no delay, everything reported in this turn of the event loop leaves in one message.
    else if (flushDelayMs === 0) flushImmediate ??= setImmediate(flush);
    else flushTimer ??= setTimeout(flush, flushDelayMs);
  };

  const beat = (): void => {
    if (!isWelcomed) return;
    socket.emit(AgentEvent.Heartbeat, { v: PROTOCOL_VERSION, at: Date.now(), ...options.heartbeat() } satisfies AgentHeartbeat);
  };

  const stopHeartbeat = (): void => {
    if (heartbeatTimer !== undefined) clearInterval(heartbeatTimer);
    heartbeatTimer = undefined;
  };

  async function hello(): Promise<void> {
    const helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    let answer: unknown;
    try {
      const challenge = parseReply(AgentToServer, AgentEvent.Challenge, await socket.timeout(helloTimeoutMs).emitWithAck(AgentEvent.Challenge, { v: PROTOCOL_VERSION }));
      if (!challenge.ok) return fatal(challenge.error);
      const fields = options.hello();
      const payload: AgentHello = { v: PROTOCOL_VERSION, ...fields, identity: options.identify(challenge.reply, fields.name) };
      answer = await socket.timeout(helloTimeoutMs).emitWithAck(AgentEvent.Hello, payload);
    } catch {
      if (socket.connected) socket.disconnect();
      retryLater("the server did not answer agent:hello");
      return;
    }
    const parsed = parseReply(AgentToServer, AgentEvent.Hello, answer);
    if (!parsed.ok) return fatal(parsed.error);
    if (!parsed.reply.ok) {
      const { kind, message } = parsed.reply.error;
      if (FATAL_KINDS.has(kind)) return fatal({ kind, message: `the server refused this agent (${kind}): ${message}` });
      socket.disconnect();
      retryLater(`the server refused agent:hello (${kind}: ${message})`);
      return;
    }
    if (!socket.connected) return;
    welcomed(parsed.reply.welcome);
  }

  function welcomed(welcome: AgentWelcome): void {
    manualRetries = 0;
    isWelcomed = true;
    options.onWelcome(welcome);
    stopHeartbeat();
    heartbeatTimer = setInterval(beat, welcome.heartbeatIntervalMs);
    beat();
    flush();
  }

  socket.on("connect", () => {
    isWelcomed = false;
    void hello();
  });

  socket.on("disconnect", (reason) => {
    isWelcomed = false;
    stopHeartbeat();
    if (isClosed) return;
    log("warn", `disconnected from ${options.serverUrl} (${reason})`);
    if (reason === "io server disconnect") retryLater("the server closed the connection");
  });

  socket.on("connect_error", (error: Error & { data?: unknown }) => {
    if (isClosed) return;
    const refusal = RefusalData.safeParse(error.data);
    const kind = refusal.success ? refusal.data.kind : undefined;
    if (socket.active) {
      log("warn", `cannot reach ${options.serverUrl}: ${error.message}`);
      return;
    }
    if (kind !== undefined && FATAL_KINDS.has(kind)) return fatal({ kind, message: `the server refused this agent (${kind}): ${error.message}` });
    retryLater(`the server refused the connection: ${error.message}`);
  });

  socket.on(AgentEvent.TaskAssign, (payload) => {
    const envelope = AssignEnvelope.safeParse(payload);
    if (!envelope.success) return log("error", `ignored a malformed ${AgentEvent.TaskAssign}: ${issuesOf(envelope.error, payload)}`);
    envelope.data.items.forEach((raw, index) => {
      const item = TaskAssignItem.safeParse(raw);
      if (!item.success) {
        log("error", `ignored a malformed ${AgentEvent.TaskAssign} item: ${issuesOf(item.error, raw, `items[${index}]`)}`);
        return;
      }
      options.onAssign(item.data);
    });
  });

  socket.on(AgentEvent.TaskAbort, (payload) => {
    const abort = TaskAbort.safeParse(payload);
    if (!abort.success) return log("error", `ignored a malformed ${AgentEvent.TaskAbort}: ${issuesOf(abort.error, payload)}`);
    options.onAbort(abort.data);
  });

  socket.on(AgentEvent.MachineForgotten, () => {
    fatal({ kind: "forbidden", message: "an admin forgot this machine (its identity is revoked); a join token admits it again as a new machine" });
  });

  socket.on(AgentEvent.ResultsPin, (payload) => {
    const pin = ResultsPin.safeParse(payload);
    if (!pin.success) return log("error", `ignored a malformed ${AgentEvent.ResultsPin}: ${issuesOf(pin.error, payload)}`);
    options.onResultsPin?.(pin.data);
  });

  socket.on(AgentEvent.RunEnded, (payload) => {
    const ended = RunEnded.safeParse(payload);
    if (!ended.success) return log("error", `ignored a malformed ${AgentEvent.RunEnded}: ${issuesOf(ended.error, payload)}`);
    options.onRunEnded?.(ended.data.runId);
  });

  socket.on(AgentEvent.ResultPut, (payload, ack) => {
    const reply = typeof ack === "function" ? ack : () => undefined;
    const put = ResultPut.safeParse(payload);
    if (!put.success) {
      const message = `malformed ${AgentEvent.ResultPut}: ${issuesOf(put.error, payload)}`;
      log("error", `ignored a ${message}`);
      return reply({ ok: false, error: { kind: "invalid_message", message } });
    }
    options.onResultPut(put.data).then(reply, (error: unknown) =>
      reply({ ok: false, error: { kind: "internal", message: error instanceof Error ? error.message : String(error) } }),
    );
  });

  function close(): void {
    if (isClosed) return;
    isClosed = true;
    isWelcomed = false;
    stopHeartbeat();
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    if (flushImmediate !== undefined) clearImmediate(flushImmediate);
    if (manualRetry !== undefined) clearTimeout(manualRetry);
    socket.disconnect();
  }

  return {
    sendFinished(item) {
      finished.push(item);
      scheduleFlush();
    },
    sendEvicted(item) {
      evicted.push(item);
      scheduleFlush();
    },
    sendLog(item) {
      logs.push(item);
      if (logs.length > MAX_QUEUED_LOGS) {
        logs.shift();
        droppedLogs += 1;
      }
      scheduleFlush();
    },
    isWelcomed: () => isWelcomed,
    async refreshGrant(grant) {
      if (!isWelcomed) return undefined;
      let answer: unknown;
      try {
        answer = await socket.timeout(10_000).emitWithAck(AgentEvent.GrantRefresh, { v: PROTOCOL_VERSION, grant });
      } catch {
        return undefined;
      }
      const parsed = parseReply(AgentToServer, AgentEvent.GrantRefresh, answer);
      if (!parsed.ok) log("error", parsed.error.message);
      return parsed.ok && parsed.reply.ok ? parsed.reply : undefined;
    },
    async resolveSecrets(attemptId, names) {
      if (!isWelcomed) return { ok: false, error: { kind: "function_failed", message: "the agent is not connected to the server: its secrets cannot be fetched" } };
      let answer: unknown;
      try {
        answer = await socket.timeout(10_000).emitWithAck(AgentEvent.SecretResolve, { v: PROTOCOL_VERSION, attemptId, names: [...names] });
      } catch {
        return { ok: false, error: { kind: "function_failed", message: "the server did not answer secret:resolve within 10 s" } };
      }
      const parsed = parseReply(AgentToServer, AgentEvent.SecretResolve, answer);
      if (!parsed.ok) return { ok: false, error: { kind: "function_failed", message: parsed.error.message } };
      if (parsed.reply.ok) return { ok: true, values: parsed.reply.values };
      // Refused (no such secret, not this task's): the same call would be refused again.
      const { kind, message } = parsed.reply.error;
      return { ok: false, error: { kind: kind === "internal" ? "function_failed" : "non_retryable", message: `secrets: ${message}` } };
    },
    close,
  };
}

function issuesOf(error: z.ZodError, input: unknown, prefix = ""): string {
  return formatIssues(error.issues, input)
    .map((issue) => {
      const path = prefix === "" ? issue.path : issue.path === "" ? prefix : issue.path.startsWith("[") ? `${prefix}${issue.path}` : `${prefix}.${issue.path}`;
      return `${path === "" ? "(root)" : path}: ${issue.message}`;
    })
    .join("; ");
}
