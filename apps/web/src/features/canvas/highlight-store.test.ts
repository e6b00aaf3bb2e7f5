import { describe, expect, it } from "vitest";
import { createHighlightStore } from "./highlight-store.ts";

describe("createHighlightStore", () => {
  it("notifies a task's listener only when its role changes, and every-task listeners after each change", () => {
    const store = createHighlightStore();
    const calls: string[] = [];
    store.subscribe("a", () => calls.push("a"));
    store.subscribe("b", () => calls.push("b"));
    const unsubscribeAll = store.subscribeAll(() => calls.push("all"));
    store.set(new Map([["a", "focus"], ["b", "dim"]]));
    expect(calls).toEqual(["a", "b", "all"]);
    store.set(new Map([["a", "focus"], ["b", "upstream"]]));
    expect(calls).toEqual(["a", "b", "all", "b", "all"]);
    expect(store.get("b")).toBe("upstream");
    store.set(new Map());
    store.set(new Map());
    // Nothing highlighted before or after: no repaint asked for.
    expect(calls.filter((call) => call === "all")).toHaveLength(3);
    unsubscribeAll();
    store.set(new Map([["a", "focus"]]));
    expect(calls.filter((call) => call === "all")).toHaveLength(3);
  });
});
