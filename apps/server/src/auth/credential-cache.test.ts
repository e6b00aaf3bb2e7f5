import { describe, expect, it } from "vitest";
import { InMemoryCredentialCache } from "./credential-cache.ts";

describe("the in-memory credential cache", () => {
  it("holds at most its bound, dropping the entry set longest ago (a set refreshes an entry's place)", () => {
    const cache = new InMemoryCredentialCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("a", 3);
    cache.set("c", 4);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([3, undefined, 4]);
  });

  it("drops every entry of a revoked credential at once", () => {
    const cache = new InMemoryCredentialCache<{ tokenId: string }>();
    cache.set("h1", { tokenId: "t1" });
    cache.set("h2", { tokenId: "t2" });
    cache.set("h3", { tokenId: "t1" });
    cache.deleteWhere((entry) => entry.tokenId === "t1");
    expect([cache.get("h1"), cache.get("h2"), cache.get("h3")]).toEqual([undefined, { tokenId: "t2" }, undefined]);
  });

  it("refuses a bound that is not a positive integer, naming it", () => {
    expect(() => new InMemoryCredentialCache(0)).toThrow(/maxEntries must be an integer ≥ 1, got 0/);
  });
});
