import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readExact } from "./read-exact.ts";
import { createResultStore, type EvictionReason, type ResultStoreOptions } from "./result-store.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "handoff-result-store-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mib = 1024 * 1024;

function bytesOf(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

function storeWith(overrides: Partial<ResultStoreOptions> = {}) {
  const evicted: Array<[string, string, EvictionReason]> = [];
  let clock = 0;
  const store = createResultStore({
    dir,
    memoryBudgetBytes: mib,
    diskBudgetBytes: 16 * mib,
    retentionMs: 1_000,
    now: () => clock,
    onEvicted: (runId, taskId, reason) => evicted.push([runId, taskId, reason]),
    ...overrides,
  });
  return {
    store,
    evicted,
    setClock: (ms: number) => {
      clock = ms;
    },
  };
}

async function filesInDir(): Promise<string[]> {
  return readdir(dir);
}

describe("when values fit in the memory budget", () => {
  it("returns an equal JSON value and describes it", async () => {
    const { store, setClock } = storeWith();
    setClock(42);
    const value = { total: 3, items: ["a", "b"], note: "ünïcode" };
    await store.put("run-1", "sum", value);

    expect(store.has("run-1", "sum")).toBe(true);
    expect(await store.get("run-1", "sum")).toEqual(value);
    expect(store.meta("run-1", "sum")).toEqual({
      size: Buffer.byteLength(JSON.stringify(value)),
      contentType: "application/json",
      location: "memory",
      storedAt: 42,
    });
    expect(await filesInDir()).toEqual([]);
  });

  it("keeps its own copy of a Uint8Array so later mutation by either side does not change it", async () => {
    const { store } = storeWith();
    const input = Uint8Array.from([1, 2, 3]);
    await store.put("run-1", "bytes", input);
    input[0] = 99;
    const first = (await store.get("run-1", "bytes")) as Uint8Array;
    first[1] = 99;

    expect(Array.from((await store.get("run-1", "bytes")) as Uint8Array)).toEqual([1, 2, 3]);
    expect(store.meta("run-1", "bytes")?.contentType).toBe("application/octet-stream");
  });

  it("answers undefined for a key it does not hold", async () => {
    const { store } = storeWith();
    expect(store.has("run-1", "nothing")).toBe(false);
    expect(store.meta("run-1", "nothing")).toBeUndefined();
    expect(await store.get("run-1", "nothing")).toBeUndefined();
    expect(store.openStream("run-1", "nothing")).toBeUndefined();
  });

  it("replaces a value stored again under the same key", async () => {
    const { store } = storeWith();
    await store.put("run-1", "t", bytesOf(100, 1));
    await store.put("run-1", "t", "small");
    expect(await store.get("run-1", "t")).toBe("small");
    expect(store.stats()).toEqual({ memoryBytes: Buffer.byteLength('"small"'), diskBytes: 0, entries: 1 });
  });
});

describe("when the memory budget is exceeded", () => {
  it("spills the oldest in-memory values to files and reads them back intact", async () => {
    const { store, evicted } = storeWith({ memoryBudgetBytes: 100 });
    await store.put("run-1", "a", bytesOf(40, 1));
    await store.put("run-1", "b", bytesOf(40, 2));
    await store.put("run-1", "c", bytesOf(40, 3));

    expect(store.meta("run-1", "a")?.location).toBe("disk");
    expect(store.meta("run-1", "b")?.location).toBe("memory");
    expect(store.meta("run-1", "c")?.location).toBe("memory");
    expect(store.stats()).toEqual({ memoryBytes: 80, diskBytes: 40, entries: 3 });
    expect(await filesInDir()).toHaveLength(1);
    expect(await store.get("run-1", "a")).toEqual(bytesOf(40, 1));
    expect(await readExact(store.openStream("run-1", "a") ?? Readable.from([]), 40)).toEqual(bytesOf(40, 1));
    expect(evicted).toEqual([]);
  });

  it("writes a value larger than the whole memory budget straight to disk", async () => {
    const { store } = storeWith({ memoryBudgetBytes: 10 });
    await store.put("run-1", "big", { text: "x".repeat(100) });
    expect(store.meta("run-1", "big")?.location).toBe("disk");
    expect(store.stats().memoryBytes).toBe(0);
    expect(await store.get("run-1", "big")).toEqual({ text: "x".repeat(100) });
  });
});

describe("when a value arrives as a stream", () => {
  function chunked(bytes: Uint8Array, chunkBytes: number): Readable {
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < bytes.byteLength; offset += chunkBytes) {
      chunks.push(Buffer.from(bytes.subarray(offset, offset + chunkBytes)));
    }
    return Readable.from(chunks);
  }

  it("keeps a value within the memory budget in memory", async () => {
    const { store } = storeWith();
    const json = Buffer.from(JSON.stringify({ ok: [1, 2] }));
    await store.putStream("run-1", "j", chunked(json, 3), { contentType: "application/json", size: json.byteLength });
    expect(store.meta("run-1", "j")?.location).toBe("memory");
    expect(await store.get("run-1", "j")).toEqual({ ok: [1, 2] });
  });

  it("writes a value larger than the memory budget to disk as it arrives", async () => {
    const { store } = storeWith({ memoryBudgetBytes: 1024 });
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);
    await store.putStream("run-1", "b", chunked(bytes, 999), { contentType: "application/octet-stream", size: 10_000 });
    expect(store.meta("run-1", "b")?.location).toBe("disk");
    expect(store.stats()).toEqual({ memoryBytes: 0, diskBytes: 10_000, entries: 1 });
    expect(await store.get("run-1", "b")).toEqual(bytes);
  });

  it.each([
    ["shorter", 9_999],
    ["longer", 10_001],
  ])("rejects a stream %s than announced and keeps nothing of it", async (_label, announced) => {
    const { store } = storeWith({ memoryBudgetBytes: 1024 });
    const bytes = bytesOf(10_000, 7);
    await expect(
      store.putStream("run-1", "b", chunked(bytes, 1000), { contentType: "application/octet-stream", size: announced }),
    ).rejects.toThrow(/announced/);
    expect(store.has("run-1", "b")).toBe(false);
    expect(store.stats()).toEqual({ memoryBytes: 0, diskBytes: 0, entries: 0 });
    expect(await filesInDir()).toEqual([]);
  });
});

describe("when values outlive retention", () => {
  it("evicts unpinned values past retention, reports them, and remembers why", async () => {
    const { store, evicted, setClock } = storeWith({ memoryBudgetBytes: 50, retentionMs: 1_000 });
    setClock(0);
    await store.put("run-1", "old-disk", bytesOf(60, 1));
    await store.put("run-1", "old-memory", 1);
    setClock(500);
    await store.put("run-1", "young", 2);

    setClock(999);
    expect(await store.evictExpired()).toBe(0);
    setClock(1_000);
    expect(await store.evictExpired()).toBe(2);

    expect(evicted).toEqual([
      ["run-1", "old-disk", "retention"],
      ["run-1", "old-memory", "retention"],
    ]);
    expect(store.has("run-1", "old-disk")).toBe(false);
    expect(store.evictionReason("run-1", "old-disk")).toBe("retention");
    expect(store.evictionReason("run-1", "young")).toBeUndefined();
    expect(await store.get("run-1", "young")).toBe(2);
    expect(await filesInDir()).toEqual([]);
    expect(store.stats().entries).toBe(1);
  });

  it("never evicts a pinned run, and restarts retention when it is unpinned", async () => {
    const { store, evicted, setClock } = storeWith({ retentionMs: 1_000 });
    store.pin("run-live");
    await store.put("run-live", "a", 1);
    await store.put("run-done", "a", 1);

    setClock(5_000);
    expect(await store.evictExpired()).toBe(1);
    expect(evicted).toEqual([["run-done", "a", "retention"]]);

    await store.unpin("run-live");
    setClock(5_999);
    expect(await store.evictExpired()).toBe(0);
    setClock(6_000);
    expect(await store.evictExpired()).toBe(1);
    expect(evicted.at(-1)).toEqual(["run-live", "a", "retention"]);
  });

  it("forgets that a value was evicted once it is stored again", async () => {
    const { store, setClock } = storeWith({ retentionMs: 10 });
    await store.put("run-1", "a", 1);
    setClock(10);
    await store.evictExpired();
    await store.put("run-1", "a", 2);
    expect(store.evictionReason("run-1", "a")).toBeUndefined();
    expect(await store.get("run-1", "a")).toBe(2);
  });
});

describe("when the disk budget is exceeded", () => {
  it("evicts the oldest values on disk first and reports each", async () => {
    const { store, evicted } = storeWith({ memoryBudgetBytes: 0, diskBudgetBytes: 100 });
    await store.put("run-1", "a", bytesOf(40, 1));
    await store.put("run-1", "b", bytesOf(40, 2));
    await store.put("run-1", "c", bytesOf(40, 3));

    expect(evicted).toEqual([["run-1", "a", "disk_budget"]]);
    expect(store.has("run-1", "a")).toBe(false);
    expect(store.evictionReason("run-1", "a")).toBe("disk_budget");
    expect(await store.get("run-1", "b")).toEqual(bytesOf(40, 2));
    expect(store.stats()).toEqual({ memoryBytes: 0, diskBytes: 80, entries: 2 });
    expect(await filesInDir()).toHaveLength(2);
  });

  it("skips pinned runs and evicts the oldest unpinned value instead", async () => {
    const { store, evicted } = storeWith({ memoryBudgetBytes: 0, diskBudgetBytes: 100 });
    store.pin("run-live");
    await store.put("run-live", "a", bytesOf(40, 1));
    await store.put("run-done", "b", bytesOf(40, 2));
    await store.put("run-done", "c", bytesOf(40, 3));

    expect(evicted).toEqual([["run-done", "b", "disk_budget"]]);
    expect(store.has("run-live", "a")).toBe(true);
    expect(store.has("run-done", "c")).toBe(true);
  });

  it("stays over budget rather than evict pinned values, and catches up when the run is unpinned", async () => {
    const { store, evicted } = storeWith({ memoryBudgetBytes: 0, diskBudgetBytes: 100 });
    store.pin("run-live");
    await store.put("run-live", "a", bytesOf(60, 1));
    await store.put("run-live", "b", bytesOf(60, 2));
    expect(evicted).toEqual([]);
    expect(store.stats().diskBytes).toBe(120);

    await store.unpin("run-live");
    expect(evicted).toEqual([["run-live", "a", "disk_budget"]]);
    expect(store.stats().diskBytes).toBe(60);
  });

  it("counts spilled values against the disk budget", async () => {
    const { store, evicted } = storeWith({ memoryBudgetBytes: 50, diskBudgetBytes: 50 });
    await store.put("run-1", "a", bytesOf(40, 1));
    await store.put("run-1", "b", bytesOf(40, 2)); // a spills
    await store.put("run-1", "c", bytesOf(40, 3)); // b spills, a is evicted
    expect(evicted).toEqual([["run-1", "a", "disk_budget"]]);
    expect(store.meta("run-1", "b")?.location).toBe("disk");
    expect(store.meta("run-1", "c")?.location).toBe("memory");
  });
});

describe("when values are deleted", () => {
  it("removes one value and its file without calling it an eviction", async () => {
    const { store, evicted } = storeWith({ memoryBudgetBytes: 0 });
    await store.put("run-1", "a", 1);
    expect(await store.delete("run-1", "a")).toBe(true);
    expect(await store.delete("run-1", "a")).toBe(false);
    expect(store.has("run-1", "a")).toBe(false);
    expect(store.evictionReason("run-1", "a")).toBeUndefined();
    expect(evicted).toEqual([]);
    expect(await filesInDir()).toEqual([]);
  });

  it("clears every value of one run and nothing of another", async () => {
    const { store } = storeWith({ memoryBudgetBytes: 10 });
    await store.put("run-1", "a", 1);
    await store.put("run-1", "b", "x".repeat(50));
    await store.put("run-2", "a", 2);
    expect(await store.clearRun("run-1")).toBe(2);
    expect(store.has("run-1", "a") || store.has("run-1", "b")).toBe(false);
    expect(await store.get("run-2", "a")).toBe(2);
    expect(store.stats()).toEqual({ memoryBytes: 1, diskBytes: 0, entries: 1 });
    expect(await filesInDir()).toEqual([]);
  });

  it("keeps a stream that was already open readable after its value is deleted", async () => {
    const { store } = storeWith({ memoryBudgetBytes: 0 });
    await store.put("run-1", "a", bytesOf(5_000, 9));
    const stream = store.openStream("run-1", "a");
    await store.delete("run-1", "a");
    expect(await readExact(stream ?? Readable.from([]), 5_000)).toEqual(bytesOf(5_000, 9));
  });
});

describe("when a store is created again on the same folder (an agent restart)", () => {
  it("has a new instance id and holds none of the old instance's values", async () => {
    const first = storeWith().store;
    await first.put("r", "t", 1);
    const second = storeWith().store;
    expect(second.id).toMatch(/^[\w-]{8,64}$/);
    expect(second.id).not.toBe(first.id);
    expect(second.has("r", "t")).toBe(false);
  });
});
