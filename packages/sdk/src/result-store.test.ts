import { describe, expect, it } from "vitest";
import { ResultStore } from "./result-store.ts";

describe("when results are stored", () => {
  it("returns them by run and id, and not_found otherwise", () => {
    const store = new ResultStore();
    store.store("r1", "a", 1);
    store.store("r1", "nothing", undefined);
    expect(store.get("r1", "a")).toEqual({ ok: true, value: 1 });
    expect(store.get("r1", "nothing")).toEqual({ ok: true, value: undefined });
    expect(store.get("r2", "a")).toEqual({ ok: false, kind: "not_found" });
    expect(store.has("r1", "nothing")).toBe(true);
    expect(store.has("r1", "b")).toBe(false);
  });

  it("overwrites a value stored twice", () => {
    const store = new ResultStore();
    store.store("r1", "a", 1);
    store.store("r1", "a", 2);
    expect(store.get("r1", "a")).toEqual({ ok: true, value: 2 });
  });

  it("clears one run without touching another", () => {
    const store = new ResultStore();
    store.store("r1", "a", 1);
    store.store("r2", "a", 2);
    store.clear("r1");
    expect(store.has("r1", "a")).toBe(false);
    expect(store.get("r2", "a")).toEqual({ ok: true, value: 2 });
    expect(store.runIds()).toEqual(["r2"]);
  });
});

describe("when a value is fetched from elsewhere", () => {
  it("uses the local value without asking", async () => {
    const store = new ResultStore();
    store.store("r", "a", "local");
    const asked: string[] = [];
    const result = await store.getWithFetch("r", "a", (_run, id) => {
      asked.push(id);
      return { ok: true, value: "remote" };
    });
    expect(result).toEqual({ ok: true, value: "local" });
    expect(asked).toEqual([]);
  });

  it("caches what the fetch returns", async () => {
    const store = new ResultStore();
    const result = await store.getWithFetch("r", "a", async () => ({ ok: true, value: "remote" }));
    expect(result).toEqual({ ok: true, value: "remote" });
    expect(store.get("r", "a")).toEqual({ ok: true, value: "remote" });
  });

  it("reports not_found without a fetch or when the fetch finds nothing", async () => {
    const store = new ResultStore();
    await expect(store.getWithFetch("r", "a")).resolves.toEqual({ ok: false, kind: "not_found" });
    await expect(store.getWithFetch("r", "a", () => ({ ok: false, kind: "not_found" }))).resolves.toEqual({ ok: false, kind: "not_found" });
    expect(store.has("r", "a")).toBe(false);
  });
});

describe("when a caller waits for a value", () => {
  it("returns a value stored 200 ms later", async () => {
    const store = new ResultStore();
    setTimeout(() => store.store("r", "late", "arrived"), 200);
    await expect(store.getWithTimeout("r", "late", { timeoutMs: 5000 })).resolves.toEqual({ ok: true, value: "arrived" });
  });

  it("returns a value that becomes fetchable, swallowing fetch errors meanwhile", async () => {
    const store = new ResultStore();
    let calls = 0;
    const result = await store.getWithTimeout("r", "x", {
      pollMs: 5,
      fetchRemote: () => {
        calls += 1;
        if (calls < 3) throw new Error("machine unreachable");
        return { ok: true, value: "fetched" };
      },
    });
    expect(result).toEqual({ ok: true, value: "fetched" });
    expect(calls).toBe(3);
  });

  it("returns timeout for an id that never appears", async () => {
    const store = new ResultStore();
    await expect(store.getWithTimeout("r", "never", { timeoutMs: 150, pollMs: 20 })).resolves.toEqual({ ok: false, kind: "timeout" });
  });
});
