import { describeIssues } from "@handoff/protocol";
import { z } from "zod";
import type { Logger } from "../log.ts";
import type { ReplicaKeys } from "./message-seal.ts";
import { sealedRedis } from "./sealed-redis.ts";

const CHANNEL = "handoff:credentials:revoked";

/** One revocation on the bus: which replica made it, and the token's or session's id. */
const Revocation = z.object({ from: z.string().min(1).max(100), kind: z.enum(["token", "session"]), id: z.string().min(1).max(200) }).strict();
type Revocation = z.infer<typeof Revocation>;

export interface CredentialBus {
  /** Tells the other replicas (fire and forget: without Redis they see it at their next re-read, 5 s at most). */
  revoked(kind: Revocation["kind"], id: string): void;
  /** Drops both connections at once (a Redis that is away cannot hold a shutdown). */
  close(): void;
}

export interface CredentialBusOptions {
  readonly redisUrl: string;
  /** This replica's id: its own messages come back and are skipped. */
  readonly replicaId: string;
  readonly log: Logger;
  /** Every message is sealed under these (Redis is not trusted: see `sealed-redis.ts`). */
  readonly keys: ReplicaKeys;
  /** Another replica revoked a token or ended a session: forget it here at once. */
  readonly onRemote: (kind: Revocation["kind"], id: string) => void;
}

/**
 * Replicas (issue #18): revoked tokens and ended sessions over Redis pub/sub, so every replica drops them from its
 * credential cache at once instead of trusting them until its next re-read. Every message is sealed under the replicas'
 * key (one forged or replayed on Redis is dropped) and parsed; a malformed one is logged and changes nothing.
 * @example
 * const bus = createCredentialBus({ redisUrl, replicaId, log, keys, onRemote: (kind, id) => forget(kind, id) });
 * tokens.onRevoke((id) => bus.revoked("token", id));
 */
export function createCredentialBus(options: CredentialBusOptions): CredentialBus {
  const { log } = options;
  // No offline queue: a revocation published while Redis is away is not sent minutes later out of order.
  const redis = sealedRedis({ redisUrl: options.redisUrl, keys: options.keys, log, what: "credential bus", publisherOptions: { enableOfflineQueue: false, maxRetriesPerRequest: 1 } });
  const { publisher, subscriber } = redis;
  subscriber.subscribe(CHANNEL).catch((error: unknown) => log.warn("redis: cannot subscribe to revocations", { error: error instanceof Error ? error.message : String(error) }));
  subscriber.on("message", (channel: string, text: string) => {
    if (channel !== CHANNEL) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return log.warn("redis: a revocation message that is not JSON was ignored", { length: text.length });
    }
    const parsed = Revocation.safeParse(json);
    if (!parsed.success) return log.warn("redis: a malformed revocation message was ignored", { problems: describeIssues(parsed.error.issues, json) });
    if (parsed.data.from === options.replicaId) return;
    options.onRemote(parsed.data.kind, parsed.data.id);
  });
  return {
    revoked(kind, id) {
      const message: Revocation = { from: options.replicaId, kind, id };
      publisher.publish(CHANNEL, JSON.stringify(message)).catch((error: unknown) => {
        log.warn("redis: a revocation could not be sent to the other replicas (they see it within 5 s)", { kind, id, error: error instanceof Error ? error.message : String(error) });
      });
    },
    close() {
      redis.close();
    },
  };
}
