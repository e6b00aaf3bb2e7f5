import { createAdapter } from "@socket.io/redis-adapter";
import type { Logger } from "../log.ts";
import type { ReplicaKeys } from "./message-seal.ts";
import { sealedRedis } from "./sealed-redis.ts";

/** The prefix of the adapter's channels on Redis. */
export const ADAPTER_KEY = "handoff:socket.io";

/**
 * socket.io's Redis adapter (issue #18): a message the leader sends to a socket id, a room or everyone reaches the
 * agents connected to any replica. Its own two connections, sealed (`sealed-redis.ts`): the adapter's `parser` option
 * would not do, as it sends and takes some requests and answers as JSON past the parser.
 * @example const { adapter, close } = redisSocketAdapter({ redisUrl, log, keys }); new Server(http, { adapter });
 */
export function redisSocketAdapter(options: { readonly redisUrl: string; readonly log: Logger; readonly keys: ReplicaKeys }): { adapter: ReturnType<typeof createAdapter>; close(): void } {
  // No offline queue: what cannot be sent while Redis is away is lost (as with the relay), not delivered stale later.
  const redis = sealedRedis({ ...options, what: "socket.io adapter", publisherOptions: { enableOfflineQueue: false, maxRetriesPerRequest: 1 } });
  return {
    adapter: createAdapter(redis.publisher, redis.subscriber, { key: ADAPTER_KEY }),
    /** Drops both connections at once (a Redis that is away cannot hold a shutdown). */
    close: () => redis.close(),
  };
}
