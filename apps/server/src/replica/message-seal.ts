import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import type { Logger } from "../log.ts";

/** The keys replicas seal what they exchange on Redis with: `seal` for sending, every one of `open` for receiving. */
export interface ReplicaKeys {
  readonly seal: Buffer;
  /** `seal` first, then the keys derived from a rotation's previous secrets keys (messages from replicas not restarted yet). */
  readonly open: readonly Buffer[];
}

/** HKDF's label: the replicas' key is the secrets key's, but for this use only (it opens no stored secret). */
const REPLICA_KEY_INFO = "handoff replicas: messages on redis v1";
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SENDER_BYTES = 16;
/** version | iv | tag, then the ciphertext of: sender | sequence (u64) | sealed at (u64, ms since the epoch) | payload. */
const HEAD_BYTES = 1 + IV_BYTES + TAG_BYTES;
const INNER_BYTES = SENDER_BYTES + 8 + 8;
/** A message sealed longer ago than this is refused (a late delivery under load stays well inside it). */
export const MAX_AGE_MS = 30_000;
/** How far another replica's clock may run ahead of ours. */
export const MAX_SKEW_MS = 5_000;
/** Sequence numbers a sender may arrive out of order by (ioredis re-sends unanswered commands after a reconnect). */
const REORDER_WINDOW = 1024;
/** Senders remembered at most (each is one publishing connection of a replica; entries go after MAX_AGE_MS of silence). */
const MAX_SENDERS = 10_000;
/** Dropped messages are logged at most this often (with the count since), so a flood cannot flood the log. */
const DROP_LOG_MS = 10_000;

/**
 * The replicas' key, derived with HKDF-SHA256 from the secrets key every replica already shares (`HANDOFF_SECRETS_KEY`
 * or one `secrets.key`), and from the previous keys of a rotation for opening only.
 * @example const keys = deriveReplicaKeys(secretsKeys.current.key, secretsKeys.previous.map((key) => key.key));
 */
export function deriveReplicaKeys(current: Buffer, previous: readonly Buffer[] = []): ReplicaKeys {
  const derive = (secret: Buffer): Buffer => Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), REPLICA_KEY_INFO, 32));
  const seal = derive(current);
  return { seal, open: [seal, ...previous.map(derive)] };
}

/** Binds a message to its channel: a sealed message moved to another channel does not open. */
const aadOf = (channel: string): Buffer => Buffer.from(`handoff replica message v${VERSION}\0${channel}`, "utf8");

/**
 * Seals messages for one publishing connection: AES-256-GCM under the replicas' key, with this sender's id, a sequence
 * number and the time inside, so receivers refuse a replay.
 * @example const sealer = createSealer(keys); await redis.publish(channel, sealer.seal(channel, Buffer.from(text)));
 */
export function createSealer(keys: ReplicaKeys, now: () => number = Date.now): { seal(channel: string, payload: Buffer): Buffer } {
  const sender = randomBytes(SENDER_BYTES);
  let sequence = 0;
  return {
    seal(channel, payload) {
      const inner = Buffer.allocUnsafe(INNER_BYTES);
      sender.copy(inner, 0);
      inner.writeBigUInt64BE(BigInt(++sequence), SENDER_BYTES);
      inner.writeBigUInt64BE(BigInt(Math.floor(now())), SENDER_BYTES + 8);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", keys.seal, iv).setAAD(aadOf(channel));
      const body = Buffer.concat([cipher.update(inner), cipher.update(payload), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
    },
  };
}

type Refusal = "did not open (forged, altered, or sealed under another key)" | "was a replay" | "was sealed outside the time window";

export interface Opener {
  /** The payload of a message that opens, is fresh and was not seen before; undefined (logged, rate-limited) otherwise. */
  open(channel: string, sealed: Buffer): Buffer | undefined;
  /** How many messages were refused so far, by reason (for tests and logs). */
  readonly refused: Readonly<Record<string, number>>;
}

/**
 * Opens what one subscribing connection receives. Anything that does not authenticate under the replicas' key, was
 * sealed before this opener started or outside [now − 30 s, now + 5 s], or repeats a (sender, sequence) already
 * opened, is dropped and logged at most every 10 s: it is never acted on.
 * @example const opener = createOpener(keys, log, "agent relay"); const payload = opener.open(channel, buffer);
 */
export function createOpener(keys: ReplicaKeys, log: Logger, what: string, now: () => number = Date.now): Opener {
  const startedAt = now();
  const senders = new Map<string, { highest: number; recent: Set<number>; lastAt: number }>();
  const refused: Record<string, number> = {};
  let unlogged = 0;
  let loggedAt = -Infinity;

  const refuse = (channel: string, reason: Refusal): undefined => {
    refused[reason] = (refused[reason] ?? 0) + 1;
    unlogged++;
    if (now() - loggedAt < DROP_LOG_MS) return undefined;
    log.warn(`redis: a message on ${channel} ${reason}; dropped, not acted on (every replica needs the same HANDOFF_SECRETS_KEY)`, { what, droppedSinceLastWarning: unlogged });
    loggedAt = now();
    unlogged = 0;
    return undefined;
  };

  const decrypt = (channel: string, sealed: Buffer): Buffer | undefined => {
    if (sealed.length < HEAD_BYTES + INNER_BYTES || sealed[0] !== VERSION) return undefined;
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, HEAD_BYTES);
    for (const key of keys.open) {
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv).setAAD(aadOf(channel)).setAuthTag(tag);
        return Buffer.concat([decipher.update(sealed.subarray(HEAD_BYTES)), decipher.final()]);
      } catch {
        // not this key: the next one, or refused
      }
    }
    return undefined;
  };

  const forgetSilentSenders = (at: number): void => {
    for (const [sender, state] of senders) if (at - state.lastAt > MAX_AGE_MS || senders.size >= MAX_SENDERS) senders.delete(sender);
  };

  return {
    refused,
    open(channel, sealed) {
      const inner = decrypt(channel, sealed);
      if (inner === undefined) return refuse(channel, "did not open (forged, altered, or sealed under another key)");
      const sender = inner.subarray(0, SENDER_BYTES).toString("hex");
      const sequence = Number(inner.readBigUInt64BE(SENDER_BYTES));
      const sealedAt = Number(inner.readBigUInt64BE(SENDER_BYTES + 8));
      const at = now();
      if (sealedAt < Math.max(at - MAX_AGE_MS, startedAt - MAX_SKEW_MS) || sealedAt > at + MAX_SKEW_MS) return refuse(channel, "was sealed outside the time window");
      let state = senders.get(sender);
      if (state === undefined) {
        if (senders.size >= MAX_SENDERS) forgetSilentSenders(at);
        state = { highest: 0, recent: new Set(), lastAt: at };
        senders.set(sender, state);
      }
      if (sequence <= state.highest - REORDER_WINDOW || state.recent.has(sequence)) return refuse(channel, "was a replay");
      state.recent.add(sequence);
      state.lastAt = at;
      if (sequence > state.highest) state.highest = sequence;
      if (state.recent.size > 2 * REORDER_WINDOW) for (const seen of state.recent) if (seen <= state.highest - REORDER_WINDOW) state.recent.delete(seen);
      return inner.subarray(INNER_BYTES);
    },
  };
}
