import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, openSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readExact } from "./read-exact.ts";
import { readSharedFile, readWholeFile, streamBytes, streamChunkBytes } from "./stored-bytes.ts";
import { decodeValue, encodeValue, ValueContentType } from "./value-bytes.ts";

import { EvictionReason, type ResultLocation, type ResultMeta, type ResultStoreStats, type ResultStoreOptions, type ResultStore, type PutOptions, type GetOptions } from "./result-store-contract.ts";

export { EvictionReason, type ResultLocation, type ResultMeta, type ResultStoreStats, type ResultStoreOptions, type ResultStore, type PutOptions, type GetOptions };

type Entry = {
  readonly key: string;
  readonly runId: string;
  readonly taskId: string;
  readonly contentType: ValueContentType;
  readonly size: number;
  readonly storedAt: number;
  location: ResultLocation;
  bytes: Uint8Array | undefined;
  path: string | undefined;
};

const maxEvictionRecords = 10_000;

/**
 * One string per `(runId, taskId)`, unambiguous (the run id's length first) and cheaper than `JSON.stringify` (a
 * fan-in's ten thousand inputs look keys up several times each).
 */
function keyOf(runId: string, taskId: string): string {
  return `${runId.length}:${runId}${taskId}`;
}

/** The start every key of a run begins with (no other run's keys begin with it: the length comes first). */
function runPrefix(runId: string): string {
  return `${runId.length}:${runId}`;
}

const settled: Promise<void> = Promise.resolve();

/**
 * Keeps the results produced or fetched on this machine, keyed by `(runId, taskId)`: in memory up to a budget, then
 * spilled to files; evicted by retention or disk budget, oldest first, except for pinned runs.
 *
 * @example
 * const store = createResultStore({ dir, memoryBudgetBytes: 64 << 20, diskBudgetBytes: 8 << 30, retentionMs: 3_600_000 });
 * await store.put("run-1", "sum", 42);
 * await store.get("run-1", "sum"); // 42
 */
export function createResultStore(options: ResultStoreOptions): ResultStore {
  const { dir, memoryBudgetBytes, diskBudgetBytes, retentionMs } = options;
  const now = options.now ?? Date.now;
  mkdirSync(dir, { recursive: true });

  const instanceId = randomBytes(12).toString("base64url");
  let fileSeq = 0;
  const entries = new Map<string, Entry>(); // insertion order = age order
  const inMemory = new Map<string, Entry>(); // the subset held in memory, oldest first
  const evictions = new Map<string, EvictionReason>();
  const pinnedRuns = new Set<string>();
  const unpinnedAt = new Map<string, number>();
  let memoryBytes = 0;
  let diskBytes = 0;
  let reservedDiskBytes = 0; // files being written that are not entries yet
  let maintenance: Promise<void> = Promise.resolve();

  const nextPath = (): string => join(dir, `${instanceId}-${++fileSeq}.bin`);
  const removeFile = (path: string): Promise<void> => rm(path, { force: true });

  function remove(entry: Entry): Promise<void> {
    entries.delete(entry.key);
    if (entry.location === "memory") {
      inMemory.delete(entry.key);
      memoryBytes -= entry.size;
      return settled;
    }
    diskBytes -= entry.size;
    return entry.path === undefined ? settled : removeFile(entry.path);
  }

  function evict(entry: Entry, reason: EvictionReason): Promise<void> {
    const removed = remove(entry);
    evictions.delete(entry.key);
    evictions.set(entry.key, reason);
    if (evictions.size > maxEvictionRecords) {
      const oldest = evictions.keys().next();
      if (oldest.done !== true) evictions.delete(oldest.value);
    }
    options.onEvicted?.(entry.runId, entry.taskId, reason);
    return removed;
  }

  function insert(entry: Entry): Promise<void> {
    const previous = entries.get(entry.key);
    const removed = previous === undefined ? settled : remove(previous);
    if (evictions.size > 0) evictions.delete(entry.key);
    entries.set(entry.key, entry);
    if (entry.location === "memory") {
      inMemory.set(entry.key, entry);
      memoryBytes += entry.size;
    } else {
      diskBytes += entry.size;
    }
    return removed;
  }

  async function spill(entry: Entry): Promise<void> {
    const bytes = entry.bytes;
    if (bytes === undefined) return;
    const path = nextPath();
    reservedDiskBytes += entry.size;
    try {
      await writeFile(path, bytes);
    } catch (error) {
      await removeFile(path);
      throw error;
    } finally {
      reservedDiskBytes -= entry.size;
    }
    if (entries.get(entry.key) !== entry) {
      await removeFile(path); // deleted or replaced while it was being written
      return;
    }
    inMemory.delete(entry.key);
    memoryBytes -= entry.size;
    diskBytes += entry.size;
    entry.location = "disk";
    entry.path = path;
    entry.bytes = undefined;
  }

  function evictForDiskBudget(protectedEntry: Entry | undefined): Promise<void>[] {
    const removals: Promise<void>[] = [];
    for (const entry of entries.values()) {
      if (diskBytes + reservedDiskBytes <= diskBudgetBytes) break;
      if (entry.location !== "disk" || entry === protectedEntry || pinnedRuns.has(entry.runId)) continue;
      removals.push(evict(entry, EvictionReason.DiskBudget));
    }
    return removals;
  }

  // One maintenance pass at a time, so two passes never spill the same entry.
  function maintain(protectedEntry?: Entry): Promise<void> {
    // Within both budgets there is nothing to do (a running pass re-checks them itself): a fan-in's ten thousand small
    // puts skip a promise chain each.
    if (memoryBytes <= memoryBudgetBytes && diskBytes + reservedDiskBytes <= diskBudgetBytes) return settled;
    const pass = maintenance.then(async () => {
      while (memoryBytes > memoryBudgetBytes) {
        const oldest = inMemory.values().next();
        if (oldest.done === true) break;
        await spill(oldest.value);
      }
      // The value just stored is never evicted by its own write, even when it alone exceeds the disk budget.
      await Promise.all(evictForDiskBudget(protectedEntry));
    });
    maintenance = pass.catch(() => undefined);
    return pass;
  }

  function newEntry(
    runId: string,
    taskId: string,
    contentType: ValueContentType,
    size: number,
    where: { bytes: Uint8Array } | { path: string },
  ): Entry {
    const bytes = "bytes" in where ? where.bytes : undefined;
    const path = "path" in where ? where.path : undefined;
    return {
      key: keyOf(runId, taskId),
      runId,
      taskId,
      contentType,
      size,
      storedAt: now(),
      location: bytes === undefined ? "disk" : "memory",
      bytes,
      path,
    };
  }

  /** A value in memory; settled at once (no promise of its own) when it replaced nothing and both budgets hold. */
  function storeInMemory(runId: string, taskId: string, contentType: ValueContentType, bytes: Uint8Array): Promise<void> {
    const entry = newEntry(runId, taskId, contentType, bytes.byteLength, { bytes });
    const removed = insert(entry);
    const maintained = maintain(entry);
    return removed === settled ? maintained : removed.then(() => maintained);
  }

  async function storeOnDisk(
    runId: string,
    taskId: string,
    contentType: ValueContentType,
    size: number,
    write: (path: string) => Promise<void>,
  ) {
    const path = nextPath();
    reservedDiskBytes += size;
    try {
      await maintain(); // make room first, with this value's size reserved
      await write(path);
    } catch (error) {
      reservedDiskBytes -= size;
      await removeFile(path);
      throw error;
    }
    reservedDiskBytes -= size;
    const entry = newEntry(runId, taskId, contentType, size, { path });
    await insert(entry);
    await maintain(entry);
  }

  function openStream(runId: string, taskId: string): Readable | undefined {
    const entry = entries.get(keyOf(runId, taskId));
    if (entry === undefined) return undefined;
    if (entry.bytes !== undefined) return streamBytes(entry.bytes);
    if (entry.path === undefined) return undefined;
    // Opened synchronously so a concurrent eviction (unlink) cannot pull the file from under this reader.
    const fd = openSync(entry.path, "r");
    return createReadStream(entry.path, { fd, highWaterMark: streamChunkBytes });
  }

  return {
    id: instanceId,
    async put(runId, taskId, value, putOptions) {
      const encoded = encodeValue(value);
      if (encoded.bytes.byteLength > memoryBudgetBytes) {
        await storeOnDisk(runId, taskId, encoded.contentType, encoded.bytes.byteLength, (path) =>
          writeFile(path, encoded.bytes),
        );
        return;
      }
      // Copy, so a caller that later mutates its array cannot change the stored result (shared memory always is).
      const isOwned = putOptions?.isOwned === true && !(encoded.bytes.buffer instanceof SharedArrayBuffer);
      await storeInMemory(runId, taskId, encoded.contentType, isOwned ? encoded.bytes : encoded.bytes.slice());
    },

    async putStream(runId, taskId, readable, { contentType, size }) {
      if (size <= memoryBudgetBytes) {
        // Shared memory: the value goes on to a worker thread without another copy.
        await storeInMemory(runId, taskId, contentType, await readExact(readable, size, { isShared: true }));
        return;
      }
      await storeOnDisk(runId, taskId, contentType, size, async (path) => {
        let written = 0;
        await pipeline(
          readable,
          async function* countBytes(source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              written += chunk.byteLength;
              if (written > size) throw new Error(`stream carried more than the announced ${size} bytes`);
              yield chunk;
            }
            if (written !== size) throw new Error(`stream ended after ${written} of the announced ${size} bytes`);
          },
          createWriteStream(path),
        );
      });
    },

    putFile: (runId, taskId, { contentType, size }, write) => storeOnDisk(runId, taskId, contentType, size, write),

    openFile(runId, taskId) {
      const entry = entries.get(keyOf(runId, taskId));
      return entry?.bytes !== undefined || entry?.path === undefined ? undefined : openSync(entry.path, "r");
    },

    bytesInMemory: (runId, taskId) => entries.get(keyOf(runId, taskId))?.bytes,

    spoolPath: () => `${nextPath()}.part`,

    async adoptFile(runId, taskId, path, { contentType, size }) {
      await storeOnDisk(runId, taskId, contentType, size, async (target) => {
        try {
          await rename(path, target);
        } catch (error) {
          await removeFile(path);
          throw error;
        }
      });
    },

    async pathOf(runId, taskId) {
      const entry = entries.get(keyOf(runId, taskId));
      if (entry === undefined) return undefined;
      if (entry.location === "memory") {
        reservedDiskBytes += entry.size;
        try {
          await maintain(); // make room on disk first, as for any value written there
        } finally {
          reservedDiskBytes -= entry.size;
        }
        const spilled = maintenance.then(() => spill(entry));
        maintenance = spilled.catch(() => undefined);
        await spilled;
      }
      return entries.get(entry.key) === entry ? entry.path : undefined;
    },

    putBytes(runId, taskId, bytes, contentType) {
      if (bytes.byteLength <= memoryBudgetBytes) return storeInMemory(runId, taskId, contentType, bytes);
      return this.putStream(runId, taskId, Readable.from([bytes]), { contentType, size: bytes.byteLength });
    },

    fitsInMemory: (size) => size <= memoryBudgetBytes,

    has: (runId, taskId) => entries.has(keyOf(runId, taskId)),

    meta(runId, taskId) {
      const entry = entries.get(keyOf(runId, taskId));
      if (entry === undefined) return undefined;
      const { size, contentType, location, storedAt } = entry;
      return { size, contentType, location, storedAt };
    },

    async get(runId, taskId, getOptions) {
      const entry = entries.get(keyOf(runId, taskId));
      if (entry === undefined) return undefined;
      if (entry.bytes !== undefined) {
        // Binary values are copied so a consumer cannot mutate the stored result; JSON is parsed into new objects anyway.
        const isCopied = entry.contentType === ValueContentType.Binary && getOptions?.isShared !== true;
        const bytes = isCopied ? entry.bytes.slice() : entry.bytes;
        return decodeValue(bytes, entry.contentType);
      }
      if (entry.path === undefined) return undefined;
      const fd = openSync(entry.path, "r");
      // A binary value for a worker (`isShared`) is read into shared memory: the worker gets it without a copy.
      if (entry.contentType === ValueContentType.Binary && getOptions?.isShared === true) return decodeValue(await readSharedFile(fd, entry.size), entry.contentType);
      return decodeValue(await readWholeFile(fd), entry.contentType);
    },

    openStream,

    evictionReason: (runId, taskId) => evictions.get(keyOf(runId, taskId)),

    async delete(runId, taskId) {
      const entry = entries.get(keyOf(runId, taskId));
      if (entry === undefined) return false;
      await remove(entry);
      return true;
    },

    async clearRun(runId) {
      const removals: Promise<void>[] = [];
      for (const entry of entries.values()) if (entry.runId === runId) removals.push(remove(entry));
      const prefix = runPrefix(runId);
      for (const key of evictions.keys()) if (key.startsWith(prefix)) evictions.delete(key);
      unpinnedAt.delete(runId);
      await Promise.all(removals);
      return removals.length;
    },

    pin(runId) {
      pinnedRuns.add(runId);
      unpinnedAt.delete(runId);
    },

    async unpin(runId) {
      if (!pinnedRuns.delete(runId)) return;
      unpinnedAt.set(runId, now());
      await maintain();
    },

    async evictExpired() {
      const at = now();
      const removals: Promise<void>[] = [];
      for (const entry of entries.values()) {
        if (pinnedRuns.has(entry.runId)) continue;
        const keptSince = Math.max(entry.storedAt, unpinnedAt.get(entry.runId) ?? -Infinity);
        if (keptSince + retentionMs <= at) removals.push(evict(entry, EvictionReason.Retention));
      }
      // An unpin record older than retention no longer delays anything.
      for (const [runId, since] of unpinnedAt) if (since + retentionMs <= at) unpinnedAt.delete(runId);
      await Promise.all(removals);
      return removals.length;
    },

    stats: () => ({ memoryBytes, diskBytes, entries: entries.size }),
  };
}
