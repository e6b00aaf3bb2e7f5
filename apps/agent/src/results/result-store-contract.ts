import type { Readable } from "node:stream";
import type { ValueContentType } from "./value-bytes.ts";

// The result store's contract: what it keeps, how it is configured, what it answers. `result-store.ts` implements it.

export const EvictionReason = { Retention: "retention", DiskBudget: "disk_budget" } as const;
export type EvictionReason = (typeof EvictionReason)[keyof typeof EvictionReason];

export type ResultLocation = "memory" | "disk";

export type ResultMeta = {
  readonly size: number;
  readonly contentType: ValueContentType;
  readonly location: ResultLocation;
  /** Clock reading (ms) when the value was stored. */
  readonly storedAt: number;
};

export type ResultStoreStats = { readonly memoryBytes: number; readonly diskBytes: number; readonly entries: number };

export type ResultStoreOptions = {
  /** Folder for spilled and large values; created if missing. Files are named per store instance. */
  readonly dir: string;
  /** In-memory bytes past which the oldest in-memory values spill to `dir`. A value larger than this never enters memory. */
  readonly memoryBudgetBytes: number;
  /** Bytes on disk past which the oldest unpinned values are evicted. */
  readonly diskBudgetBytes: number;
  /** How long an unpinned value is kept, counted from when it was stored or its run was unpinned, whichever is later. */
  readonly retentionMs: number;
  readonly now?: () => number;
  readonly onEvicted?: (runId: string, taskId: string, reason: EvictionReason) => void;
};

export type ResultStore = {
  /** This store instance: random, new each time a store is created (its files and values belong to it alone). */
  readonly id: string;
  /**
   * Stores a value (JSON-able data or a `Uint8Array`), replacing any value under the same key. A `Uint8Array` is
   * copied unless `isOwned` says the caller hands its bytes over (a value that arrived from a worker thread).
   */
  put(runId: string, taskId: string, value: unknown, options?: PutOptions): Promise<void>;
  /**
   * Stores a value that arrives as encoded bytes (a fetch from another machine). A value larger than the memory
   * budget is written straight to disk and never held in memory whole. Rejects if the stream does not carry `size` bytes.
   */
  putStream(
    runId: string,
    taskId: string,
    readable: Readable,
    encoding: { readonly contentType: ValueContentType; readonly size: number },
  ): Promise<void>;
  /**
   * Stores a value that `write` writes to a new file at the path it is given (the disk budget is made room for and
   * `size` reserved first): on disk, never in memory. On failure the file is removed and the error thrown.
   */
  putFile(runId: string, taskId: string, encoding: { readonly contentType: ValueContentType; readonly size: number }, write: (path: string) => Promise<void>): Promise<void>;
  /**
   * The value's file, opened for reading (a concurrent eviction cannot pull it away; the caller closes it), when the
   * value is on disk; `undefined` when it is held in memory or absent.
   */
  openFile(runId: string, taskId: string): number | undefined;
  /** Whether a value of `size` encoded bytes would be kept in memory (else it goes straight to disk). */
  fitsInMemory(size: number): boolean;
  has(runId: string, taskId: string): boolean;
  meta(runId: string, taskId: string): ResultMeta | undefined;
  /**
   * The decoded value, or `undefined` when there is none (JSON cannot hold `undefined`, so this is unambiguous).
   * A binary value is a copy, unless `isShared`: then it is a view of the stored bytes (over a `SharedArrayBuffer`
   * when the value was fetched), which a worker receives without a copy and which must not be modified.
   */
  get(runId: string, taskId: string, options?: GetOptions): Promise<unknown>;
  /** The encoded bytes as a stream, from memory or disk; `undefined` when there is no value. */
  openStream(runId: string, taskId: string): Readable | undefined;
  /** The encoded bytes when the value is held in memory (not a copy: do not modify); `undefined` otherwise. */
  bytesInMemory(runId: string, taskId: string): Uint8Array | undefined;
  /** A fresh path in the store's folder where a producer may write a value before `adoptFile` takes it in. */
  spoolPath(): string;
  /** Takes in a complete file of encoded bytes (moved, not copied) as the value: on disk, never read into memory. */
  adoptFile(runId: string, taskId: string, path: string, encoding: { readonly contentType: ValueContentType; readonly size: number }): Promise<void>;
  /**
   * The file holding the value's encoded bytes (read-only: do not modify), writing a value held in memory to disk
   * first; `undefined` when there is no value. The file lives as long as the value.
   */
  pathOf(runId: string, taskId: string): Promise<string | undefined>;
  /** Stores already-encoded bytes (a value fetched in a batch): in memory within the budget, else on disk. */
  putBytes(runId: string, taskId: string, bytes: Uint8Array, contentType: ValueContentType): Promise<void>;
  /** Why a value that is no longer here was evicted (remembered for the most recent evictions only). */
  evictionReason(runId: string, taskId: string): EvictionReason | undefined;
  delete(runId: string, taskId: string): Promise<boolean>;
  /** Removes every value of a run; returns how many there were. */
  clearRun(runId: string): Promise<number>;
  /** Protects a run's values from eviction (retention and disk budget) while it still needs them. */
  pin(runId: string): void;
  /** Lifts the protection; its values' retention restarts now, and the disk budget is enforced again. */
  unpin(runId: string): Promise<void>;
  /** Evicts unpinned values past retention; returns how many. */
  evictExpired(): Promise<number>;
  stats(): ResultStoreStats;
};

export type PutOptions = { readonly isOwned?: boolean };
export type GetOptions = { readonly isShared?: boolean };
