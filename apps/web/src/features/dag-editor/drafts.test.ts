import { describe, expect, it } from "vitest";
import { NEW_DAG_DRAFT, createDrafts, draftSlot, type DraftStorage } from "./drafts.ts";
import type { DagFile } from "@handoff/protocol";

function memoryStorage(): DraftStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value), removeItem: (key) => void items.delete(key) };
}

const file: DagFile = { format: "handoff.dag", version: 1, name: "wc", tasks: [{ id: "a", fn: "std.constant", extraArgs: [1] }] };

describe("drafts", () => {
  it("keeps one draft per saved DAG and one for the DAG never saved", () => {
    expect(draftSlot(null)).toBe(NEW_DAG_DRAFT);
    expect(draftSlot({ name: "wc" })).toBe("wc");
  });

  it("gives back what was saved, until it is discarded", () => {
    const drafts = createDrafts(memoryStorage());
    drafts.save("wc", { file, baseVersion: 2, savedAtMs: 5 });
    expect(drafts.load("wc")).toEqual({ file, baseVersion: 2, savedAtMs: 5 });
    expect(drafts.load("other")).toBeNull();
    drafts.discard("wc");
    expect(drafts.load("wc")).toBeNull();
  });

  it("drops a stored draft that is not a DAG file any more", () => {
    const storage = memoryStorage();
    storage.setItem("handoff.draft:wc", JSON.stringify({ file: { tasks: "no" }, savedAtMs: 1 }));
    expect(createDrafts(storage).load("wc")).toBeNull();
    expect(storage.items.size).toBe(0);
  });

  it("says so when the storage refuses a draft (quota)", () => {
    const full: DraftStorage = { getItem: () => null, setItem: () => { throw new DOMException("full", "QuotaExceededError"); }, removeItem: () => undefined };
    expect(createDrafts(full).save("wc", { file, baseVersion: null, savedAtMs: 1 })).toBe(false);
  });
});
