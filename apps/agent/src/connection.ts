import {
  AgentEvent,
  AgentReannounce,
  AgentToServer,
  FunctionsLoad,
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
  type ReplyOf,
  type RequestEvent,
  type ResultPutReply,
  type FunctionsLoadReply,
  type ServerToAgent,
  type TaskFinishedItem,
  type ResultEvictedItem,
  type TaskLogItem,
} from "@handoff/protocol";
import { io, type Socket } from "socket.io-client";
import { z } from "zod";
import type { ResolveSecrets } from "./executor/attempt-secrets.ts";
import { createReportOutbox } from "./report-outbox.ts";
import { epochFence, serverRotation } from "./server-failover.ts";

export type AgentLogLevel = "info" | "warn" | "error";
export type AgentLog = (level: AgentLogLevel, message: string) => void;

/** The server refused this agent for good: a bad or revoked token, or a hello it cannot read. */
export type ConnectionFatal = { readonly kind: string; readonly message: string };

export type ConnectionOptions = {
  readonly serverUrl: string;
  /**
   * Replicas (issue #18): every server URL in order (`serverUrl` first). Each reconnection attempt goes to the next
   * one, so an agent whose server died or refused it finds another (any replica takes agents).
   */
  readonly serverUrls?: readonly string[];
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
  /** The server asks for shipped function bundles (only when the hello said `fetchesFunctions`). */
  readonly onFunctionsLoad?: (load: FunctionsLoad) => Promise<FunctionsLoadReply>;
  /** A run ended: its values may age out now. */
  readonly onRunEnded?: (runId: string) => void;
  /** A re-run reuses values kept under earlier runs: keep them until it ends. */
  readonly onResultsPin?: (pin: ResultsPin) => void;
  /** The connection gave up (unauthorized, forbidden, a hello the server cannot read); it is closed already. */
  readonly onFatal: (error: ConnectionFatal) => void;
  readonly log: AgentLog;
  /** Batches of `task:finished` and `task:logs` leave after this delay or at `maxBatchItems` (default 1,000); 0 (default): at the end of the current event-loop turn. */
  readonly flushDelayMs?: number;
  readonly maxBatchItems?: number;
  /**
   * Each batch's JSON stays under this many bytes, and under half the server's limit (its welcome's `maxMessageBytes`):
   * a message over the server's limit would close the connection. Default 512 KiB.
   */
  readonly maxBatchBytes?: number;
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
  /** A pushed function bundle's code by hash (`function:bundle`); the caller checks the hash. */
  fetchBundle(hash: string): Promise<{ ok: true; code: string } | { ok: false; message: string }>;
  /** Connected and welcomed: reports flow. */
  isWelcomed(): boolean;
  /** The server URL this connection uses (or tries) now. */
  currentUrl(): string;
  close(): void;
};

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
  const reconnectDelayMs = options.reconnectDelayMs ?? 250;
  const servers = serverRotation(options.serverUrls !== undefined && options.serverUrls.length > 0 ? options.serverUrls : [options.serverUrl]);
  const reconnectDelayMaxMs = servers.reconnectDelayMaxMs(options.reconnectDelayMaxMs ?? 5_000);
  const { log } = options;

  const epochs = epochFence();

  const socket: AgentSocket = io(servers.current(), {
    path: "/socket.io",
    auth: options.token === undefined ? {} : { token: options.token },
    transports: ["websocket"],
    reconnection: true,
    reconnectionDelay: reconnectDelayMs,
    reconnectionDelayMax: reconnectDelayMaxMs,
  });

  const nextUrl = (): void => servers.next(socket);
  socket.io.on("reconnect_attempt", nextUrl);

  let isWelcomed = false;
  let isClosed = false;
  /** A challenge and hello are under way on this socket (a re-announce asked meanwhile is that same hello). */
  let isGreeting = false;
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  let manualRetry: ReturnType<typeof setTimeout> | undefined;
  let manualRetries = 0;
  const outbox = createReportOutbox({
    emit: (event, message) => socket.emit(event, message as never),
    canSend: () => isWelcomed && socket.connected,
    warn: (message) => log("warn", message),
    ...(options.flushDelayMs === undefined ? {} : { flushDelayMs: options.flushDelayMs }),
    ...(options.maxBatchItems === undefined ? {} : { maxBatchItems: options.maxBatchItems }),
    ...(options.maxBatchBytes === undefined ? {} : { maxBatchBytes: options.maxBatchBytes }),
  });

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
      nextUrl();
      if (!isClosed) socket.connect();
    }, delayMs);
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
    epochs.accepts(welcome.epoch);
    isWelcomed = true;
    options.onWelcome(welcome);
    stopHeartbeat();
    heartbeatTimer = setInterval(beat, welcome.heartbeatIntervalMs);
    beat();
    outbox.welcomed(welcome.maxMessageBytes);
  }

  const greet = (): void => {
    isGreeting = true;
    void hello().finally(() => (isGreeting = false));
  };

  socket.on("connect", () => {
    isWelcomed = false;
    greet();
  });

  // Replicas: a new leader asks for a hello on this same socket (the replica it reaches may not have changed).
  socket.on(AgentEvent.Reannounce, (payload) => {
    const asked = AgentReannounce.safeParse(payload);
    if (!asked.success) return log("error", `ignored a malformed ${AgentEvent.Reannounce}: ${issuesOf(asked.error, payload)}`);
    if (!epochs.accepts(asked.data.epoch)) return log("warn", `ignored ${AgentEvent.Reannounce} of leader epoch ${asked.data.epoch}: epoch ${epochs.highest} is newer`);
    if (!socket.connected || isGreeting) return;
    log("info", `the leader (epoch ${asked.data.epoch}) asked for a new hello`);
    isWelcomed = false;
    stopHeartbeat();
    greet();
  });

  socket.on("disconnect", (reason) => {
    isWelcomed = false;
    stopHeartbeat();
    if (isClosed) return;
    log("warn", `disconnected from ${servers.current()} (${reason})`);
    if (reason === "io server disconnect") retryLater("the server closed the connection");
  });

  socket.on("connect_error", (error: Error & { data?: unknown }) => {
    if (isClosed) return;
    const refusal = RefusalData.safeParse(error.data);
    const kind = refusal.success ? refusal.data.kind : undefined;
    if (socket.active) {
      log("warn", `cannot reach ${servers.current()}: ${error.message}`);
      return;
    }
    if (kind !== undefined && FATAL_KINDS.has(kind)) return fatal({ kind, message: `the server refused this agent (${kind}): ${error.message}` });
    retryLater(`the server refused the connection: ${error.message}`);
  });

  socket.on(AgentEvent.TaskAssign, (payload) => {
    const envelope = AssignEnvelope.safeParse(payload);
    if (!envelope.success) return log("error", `ignored a malformed ${AgentEvent.TaskAssign}: ${issuesOf(envelope.error, payload)}`);
    const { epoch } = envelope.data;
    if (!epochs.accepts(epoch)) {
      return log("warn", `refused ${envelope.data.items.length} assignments of leader epoch ${epoch}: a newer leader (epoch ${epochs.highest}) took over`);
    }
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
    if (!epochs.accepts(abort.data.epoch)) return log("warn", `ignored ${AgentEvent.TaskAbort} of ${abort.data.attemptId} from leader epoch ${abort.data.epoch}: epoch ${epochs.highest} is newer`);
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
    if (!epochs.accepts(ended.data.epoch)) return log("warn", `ignored ${AgentEvent.RunEnded} of run ${ended.data.runId} from leader epoch ${ended.data.epoch}: epoch ${epochs.highest} is newer`);
    options.onRunEnded?.(ended.data.runId);
  });

  socket.on(AgentEvent.FunctionsLoad, (payload, ack) => {
    const reply = typeof ack === "function" ? ack : () => undefined;
    const load = FunctionsLoad.safeParse(payload);
    if (!load.success || options.onFunctionsLoad === undefined) {
      const message = load.success ? "this agent does not fetch functions (start it with --fetch-functions)" : `malformed ${AgentEvent.FunctionsLoad}: ${issuesOf(load.error, payload)}`;
      log("error", `refused ${AgentEvent.FunctionsLoad}: ${message}`);
      return reply({ ok: false, error: { kind: load.success ? "forbidden" : "invalid_message", message } });
    }
    options.onFunctionsLoad(load.data).then(reply, (error: unknown) =>
      reply({ ok: false, error: { kind: "internal", message: error instanceof Error ? error.message : String(error) } }),
    );
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
    outbox.close();
    if (manualRetry !== undefined) clearTimeout(manualRetry);
    socket.disconnect();
  }

  return {
    sendFinished: (item) => outbox.finished(item),
    sendEvicted: (item) => outbox.evicted(item),
    sendLog: (item) => outbox.log(item),
    isWelcomed: () => isWelcomed,
    currentUrl: servers.current,
    async refreshGrant(grant) {
      if (!isWelcomed) return undefined;
      const parsed = await ask(AgentEvent.GrantRefresh, () => socket.timeout(10_000).emitWithAck(AgentEvent.GrantRefresh, { v: PROTOCOL_VERSION, grant }), 10_000);
      if (!parsed.ok && !parsed.isSilent) log("error", parsed.message);
      return parsed.ok && parsed.reply.ok ? parsed.reply : undefined;
    },
    async fetchBundle(hash) {
      if (!isWelcomed) return { ok: false, message: "the agent is not connected to the server" };
      const parsed = await ask(AgentEvent.FunctionBundle, () => socket.timeout(60_000).emitWithAck(AgentEvent.FunctionBundle, { v: PROTOCOL_VERSION, hash }), 60_000);
      if (!parsed.ok) return { ok: false, message: parsed.message };
      return parsed.reply.ok ? { ok: true, code: parsed.reply.code } : { ok: false, message: parsed.reply.error.message };
    },
    async resolveSecrets(attemptId, names) {
      if (!isWelcomed) return { ok: false, error: { kind: "function_failed", message: "the agent is not connected to the server: its secrets cannot be fetched" } };
      const parsed = await ask(AgentEvent.SecretResolve, () => socket.timeout(10_000).emitWithAck(AgentEvent.SecretResolve, { v: PROTOCOL_VERSION, attemptId, names: [...names] }), 10_000);
      if (!parsed.ok) return { ok: false, error: { kind: "function_failed", message: parsed.message } };
      if (parsed.reply.ok) return { ok: true, values: parsed.reply.values };
      // Refused (no such secret, not this task's): the same call would be refused again.
      const { kind, message } = parsed.reply.error;
      return { ok: false, error: { kind: kind === "internal" ? "function_failed" : "non_retryable", message: `secrets: ${message}` } };
    },
    close,
  };
}

/**
 * One request to the server with an acknowledgement: `send` emits it (with its timeout); the answer is parsed with the
 * event's reply schema. A silence past `timeoutMs` (`isSilent`) and a malformed reply are messages, never throws.
 */
async function ask<E extends RequestEvent<typeof AgentToServer>>(
  event: E,
  send: () => Promise<unknown>,
  timeoutMs: number,
): Promise<{ readonly ok: true; readonly reply: ReplyOf<typeof AgentToServer, E> } | { readonly ok: false; readonly isSilent: boolean; readonly message: string }> {
  let answer: unknown;
  try {
    answer = await send();
  } catch {
    return { ok: false, isSilent: true, message: `the server did not answer ${event} within ${timeoutMs / 1000} s` };
  }
  const parsed = parseReply(AgentToServer, event, answer);
  return parsed.ok ? parsed : { ok: false, isSilent: false, message: parsed.error.message };
}

function issuesOf(error: z.ZodError, input: unknown, prefix = ""): string {
  return formatIssues(error.issues, input)
    .map((issue) => {
      const path = prefix === "" ? issue.path : issue.path === "" ? prefix : issue.path.startsWith("[") ? `${prefix}${issue.path}` : `${prefix}.${issue.path}`;
      return `${path === "" ? "(root)" : path}: ${issue.message}`;
    })
    .join("; ");
}
