import { randomUUID } from "node:crypto";
import { AgentEvent, describeIssues } from "@handoff/protocol";
import { z } from "zod";
import type { Logger } from "../log.ts";
import type { ReplicaKeys } from "./message-seal.ts";
import { sealedRedis } from "./sealed-redis.ts";

/** The one channel standbys forward on (the leader listens). */
export const TO_LEADER = "handoff:agents:to-leader";
const repliesTo = (replicaId: string): string => `handoff:agents:replies:${replicaId}`;
/** A forwarded request the leader did not answer by then (none leads, or it died) is refused to the agent. */
const DEFAULT_REPLY_TIMEOUT_MS = 8_000;

/** What a standby forwards: every agent message but the challenge (answered where the socket is), and the socket's end. */
export const FORWARDED_EVENTS = [
  AgentEvent.Hello,
  AgentEvent.GrantRefresh,
  AgentEvent.SecretResolve,
  AgentEvent.FunctionBundle,
  AgentEvent.Heartbeat,
  AgentEvent.TaskFinished,
  AgentEvent.TaskLogs,
  AgentEvent.ResultEvicted,
  "disconnect",
] as const;

/**
 * One agent message forwarded by a standby. `address` and `hasJoinToken` are what the standby authenticated at the
 * socket's handshake; `nonce` is the challenge it gave for this hello. The payload is parsed by the leader's handlers.
 */
const Forwarded = z
  .object({
    from: z.string().min(1).max(100),
    socket: z.string().min(1).max(100),
    address: z.string().max(200),
    hasJoinToken: z.boolean(),
    event: z.enum(FORWARDED_EVENTS),
    payload: z.unknown(),
    nonce: z.string().min(1).max(200).optional(),
    /** Set when the agent waits for an answer: the leader replies on the standby's channel under this id. */
    request: z.string().min(1).max(100).optional(),
  })
  .strict();
export type Forwarded = z.infer<typeof Forwarded>;
const Reply = z.object({ request: z.string().min(1).max(100), reply: z.unknown() }).strict();

export interface AgentRelay {
  /** Standby: sends one agent message to the leader; `ack` gets its answer, or `not_leader` when none comes in time. */
  forward(message: Omit<Forwarded, "from" | "request">, ack?: (reply: unknown) => void): void;
  /** Leader side: every forwarded message (on every replica: the handler ignores them unless it leads). */
  serve(handler: (message: Forwarded, reply: (answer: unknown) => void) => void): void;
  /** Both connections to Redis are up: what a standby forwards can reach the leader. */
  isConnected(): boolean;
  /** Drops both connections at once (a Redis that is away cannot hold a shutdown); forwarded requests are refused. */
  close(): void;
}

export interface AgentRelayOptions {
  readonly redisUrl: string;
  readonly replicaId: string;
  readonly log: Logger;
  /** Every message is sealed under these (Redis is not trusted: see `sealed-redis.ts`). */
  readonly keys: ReplicaKeys;
  readonly replyTimeoutMs?: number;
}

/**
 * Replicas (issue #18): agents' messages arriving at a standby reach the leader over Redis pub/sub (one channel to the
 * leader, one per replica for the answers), sealed under the replicas' key: a message forged or replayed there is dropped. Pub/sub loses what is sent while no one leads; that is the failover
 * window, after which the new leader asks every agent for a hello that re-announces what it runs and holds.
 * @example
 * const relay = createAgentRelay({ redisUrl, replicaId, log, keys });
 * relay.forward({ socket: socket.id, address, hasJoinToken, event: "agent:heartbeat", payload });
 */
export function createAgentRelay(options: AgentRelayOptions): AgentRelay {
  const { log, replicaId } = options;
  const timeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
  const redis = sealedRedis({ redisUrl: options.redisUrl, keys: options.keys, log, what: "agent relay", publisherOptions: { enableOfflineQueue: false, maxRetriesPerRequest: 1 } });
  const { publisher, subscriber } = redis;
  const pending = new Map<string, { ack: (reply: unknown) => void; timer: ReturnType<typeof setTimeout> }>();
  let serve: ((message: Forwarded, reply: (answer: unknown) => void) => void) | undefined;

  subscriber.subscribe(TO_LEADER, repliesTo(replicaId)).catch((error: unknown) => log.warn("redis: cannot subscribe to the agent relay", { error: error instanceof Error ? error.message : String(error) }));
  subscriber.on("message", (channel: string, text: string) => {
    const schema = channel === TO_LEADER ? Forwarded : Reply;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return log.warn("redis: an agent relay message that is not JSON was ignored", { channel, length: text.length });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) return log.warn("redis: a malformed agent relay message was ignored", { channel, problems: describeIssues(parsed.error.issues, json) });
    if (channel !== TO_LEADER) return answered(parsed.data as z.infer<typeof Reply>);
    const message = parsed.data as Forwarded;
    serve?.(message, (answer) => {
      if (message.request === undefined) return;
      publisher.publish(repliesTo(message.from), JSON.stringify({ request: message.request, reply: answer })).catch((error: unknown) => {
        log.warn("redis: an answer to a forwarded agent message was lost", { event: message.event, error: error instanceof Error ? error.message : String(error) });
      });
    });
  });

  function answered({ request, reply }: z.infer<typeof Reply>): void {
    const waiting = pending.get(request);
    if (waiting === undefined) return;
    pending.delete(request);
    clearTimeout(waiting.timer);
    waiting.ack(reply);
  }

  return {
    forward(message, ack) {
      const request = ack === undefined ? undefined : randomUUID();
      if (ack !== undefined && request !== undefined) {
        const timer = setTimeout(() => {
          pending.delete(request);
          ack({ ok: false, error: { kind: "not_leader", message: `${message.event}: no leader answered within ${timeoutMs} ms (a failover may be under way)` } });
        }, timeoutMs);
        pending.set(request, { ack, timer });
      }
      const envelope: Forwarded = { ...message, from: replicaId, ...(request === undefined ? {} : { request }) };
      publisher.publish(TO_LEADER, JSON.stringify(envelope)).catch((error: unknown) => {
        log.debug(`redis: an agent message could not be forwarded: ${error instanceof Error ? error.message : String(error)}`);
      });
    },
    serve(handler) {
      serve = handler;
    },
    isConnected: () => publisher.status === "ready" && subscriber.status === "ready",
    close() {
      for (const { timer } of pending.values()) clearTimeout(timer);
      pending.clear();
      redis.close();
    },
  };
}
