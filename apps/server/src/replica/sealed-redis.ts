import { EventEmitter } from "node:events";
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../log.ts";
import { createOpener, createSealer, type Opener, type ReplicaKeys } from "./message-seal.ts";

const MESSAGE_EVENTS: ReadonlySet<string | symbol> = new Set(["message", "messageBuffer", "pmessage", "pmessageBuffer"]);
const LISTENER_METHODS: ReadonlySet<string | symbol> = new Set(["on", "addListener", "once", "prependListener", "prependOnceListener", "off", "removeListener"]);

/** A publishing and a subscribing connection to Redis whose every message is sealed on the way out and opened on the way in. */
export interface SealedRedis {
  /** An ioredis client whose `publish` seals the message for its channel (every other command as ioredis has it). */
  readonly publisher: Redis;
  /** An ioredis client whose message events (`message`, `messageBuffer`, `pmessage`, `pmessageBuffer`) carry opened payloads only. */
  readonly subscriber: Redis;
  readonly opener: Opener;
  /** Drops both connections at once (a Redis that is away cannot hold a shutdown). */
  close(): void;
}

export interface SealedRedisOptions {
  readonly redisUrl: string;
  readonly keys: ReplicaKeys;
  readonly log: Logger;
  /** Names the user in logs ("agent relay", "credential bus", "socket.io adapter"). */
  readonly what: string;
  readonly publisherOptions?: RedisOptions;
}

/**
 * Replicas (issue #18): Redis is not trusted. Whatever replicas exchange there goes through this pair: sealed with
 * AES-256-GCM under the replicas' key (bound to its channel, with a sequence number and the time against replays), and
 * opened before any listener sees it; what does not open is dropped and logged (`message-seal.ts`), never acted on.
 * It wraps the connections rather than the messages so that nothing a user of them publishes can go out in clear —
 * socket.io's Redis adapter, for one, sends some requests and answers as JSON past its `parser` option.
 * @example
 * const { publisher, subscriber, close } = sealedRedis({ redisUrl, keys, log, what: "credential bus" });
 * subscriber.on("message", (channel, text) => …); await publisher.publish(channel, text);
 */
export function sealedRedis(options: SealedRedisOptions): SealedRedis {
  const { log, what } = options;
  const publisherClient = new Redis(options.redisUrl, options.publisherOptions ?? {});
  const subscriberClient = new Redis(options.redisUrl);
  const quiet = (which: string) => (error: Error) => log.debug(`redis (${what} ${which}): ${error.message}`);
  publisherClient.on("error", quiet("publisher"));
  subscriberClient.on("error", quiet("subscriber"));
  const sealer = createSealer(options.keys);
  const opener = createOpener(options.keys, log, what);
  const opened = new EventEmitter();

  const deliver = (event: "message" | "pmessage", pattern: string | undefined, channel: Buffer, sealed: Buffer): void => {
    const name = channel.toString("utf8");
    const payload = opener.open(name, sealed);
    if (payload === undefined) return;
    const head = pattern === undefined ? [] : [pattern];
    try {
      opened.emit(`${event}Buffer`, ...head, channel, payload);
      opened.emit(event, ...head, name, payload.toString("utf8"));
    } catch (error) {
      log.error(`redis (${what}): handling a message failed`, { channel: name, error: error instanceof Error ? error.message : String(error) });
    }
  };
  subscriberClient.on("messageBuffer", (channel: Buffer, message: Buffer) => deliver("message", undefined, channel, message));
  subscriberClient.on("pmessageBuffer", (pattern: string | Buffer, channel: Buffer, message: Buffer) => deliver("pmessage", String(pattern), channel, message));

  const publisher = new Proxy(publisherClient, {
    get(target, property) {
      if (property === "publish") {
        return (channel: string | Buffer, message: string | Buffer) => {
          const sent = target.publish(channel, sealer.seal(String(channel), Buffer.isBuffer(message) ? message : Buffer.from(String(message), "utf8")));
          // socket.io's adapter never awaits its publishes: one refused while Redis is away must not be an unhandled rejection.
          sent.catch((error: unknown) => log.debug(`redis (${what}): a message to ${String(channel)} was not sent: ${error instanceof Error ? error.message : String(error)}`));
          return sent;
        };
      }
      return bound(target, property);
    },
  });
  const subscriber: Redis = new Proxy(subscriberClient, {
    get(target, property) {
      if (LISTENER_METHODS.has(property)) {
        return (event: string | symbol, listener: (...args: unknown[]) => void) => {
          const emitter = MESSAGE_EVENTS.has(event) ? opened : target;
          (emitter[property as "on"] as (event: string | symbol, listener: (...args: unknown[]) => void) => unknown).call(emitter, event, listener);
          return subscriber;
        };
      }
      return bound(target, property);
    },
  });
  return {
    publisher,
    subscriber,
    opener,
    close() {
      publisherClient.disconnect();
      subscriberClient.disconnect();
    },
  };
}

/** A client's property through its proxy: methods stay bound to the client itself (the constructor as it is). */
function bound(target: Redis, property: string | symbol): unknown {
  const value: unknown = Reflect.get(target, property);
  return typeof value === "function" && property !== "constructor" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
}
