import { describe, expect, it } from "vitest";
import { createInMemoryRunEvents, type RunEvent } from "./run-events.ts";

const log = (message: string): RunEvent => ({ type: "log", log: { id: null, taskId: "t", attemptId: null, level: "info", message, at: "2026-01-01T00:00:00.000Z" } });

describe("when a run's events are published", () => {
  it("reaches every watcher of that run only, until it unsubscribes", () => {
    const events = createInMemoryRunEvents();
    const seenA: RunEvent[] = [];
    const seenB: RunEvent[] = [];
    const stopA = events.subscribe("run-1", (event) => seenA.push(event));
    events.subscribe("run-2", (event) => seenB.push(event));
    events.publish("run-1", log("one"));
    stopA();
    events.publish("run-1", log("two"));
    expect(seenA).toEqual([log("one")]);
    expect(seenB).toEqual([]);
  });

  it("serves more watchers than Node's default listener limit without a warning", () => {
    const events = createInMemoryRunEvents();
    let count = 0;
    for (let i = 0; i < 50; i += 1) events.subscribe("run", () => (count += 1));
    events.publish("run", log("x"));
    expect(count).toBe(50);
  });
});
