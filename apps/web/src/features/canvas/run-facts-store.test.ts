import { describe, expect, it } from "vitest";
import { createRunFactsStore, type RunTaskLike } from "./run-facts-store.ts";

const task = (taskId: string, state: RunTaskLike["state"]): RunTaskLike => ({ taskId, state, machine: "alpha", attempts: 1, maxAttempts: 4, reason: null, startedAt: null, finishedAt: null, result: null });

describe("createRunFactsStore", () => {
  it("notifies only the tasks whose object changed", () => {
    const store = createRunFactsStore();
    const a = task("a", "running");
    const b = task("b", "waiting_for_dependencies");
    store.update([a, b]);
    const heard: string[] = [];
    store.subscribe("a", () => heard.push("a"));
    store.subscribe("b", () => heard.push("b"));
    store.update([a, task("b", "running")]);
    expect(heard).toEqual(["b"]);
    expect(store.get("b")?.state).toBe("running");
    expect(store.get("a")).toBe(store.get("a"));
  });

  it("stops notifying after unsubscribe", () => {
    const store = createRunFactsStore();
    let calls = 0;
    const unsubscribe = store.subscribe("a", () => calls++);
    store.update([task("a", "running")]);
    unsubscribe();
    store.update([task("a", "succeeded")]);
    expect(calls).toBe(1);
    expect(store.get("a")?.state).toBe("succeeded");
  });
});
