import { describe, expect, it } from "vitest";
import { createInMemoryRunEvents, type RunEvent } from "./run-events.ts";

const log = (message: string): RunEvent => ({ type: "log", log: { id: null, taskId: "t", attemptId: null, level: "info", message, at: "2026-01-01T00:00:00.000Z" } });

describe("when a run's events are published", () => {
  it("reaches every watcher of that run only, as one batch per flush in publish order, until it unsubscribes", () => {
    const events = createInMemoryRunEvents();
    const seenA: (readonly RunEvent[])[] = [];
    const seenB: (readonly RunEvent[])[] = [];
    const stopA = events.subscribe("run-1", (batch) => seenA.push(batch));
    events.subscribe("run-2", (batch) => seenB.push(batch));
    events.publish("run-1", log("one"));
    events.publish("run-1", log("two"));
    expect(seenA).toEqual([]); // nothing before the tick's end
    events.flush();
    events.flush(); // nothing new: no empty batch
    stopA();
    events.publish("run-1", log("three"));
    events.flush();
    expect(seenA).toEqual([[log("one"), log("two")]]);
    expect(seenB).toEqual([]);
  });

  it("keeps nothing for a run nobody watches", () => {
    const events = createInMemoryRunEvents();
    events.publish("run", log("before"));
    const seen: (readonly RunEvent[])[] = [];
    events.subscribe("run", (batch) => seen.push(batch));
    events.flush();
    expect(seen).toEqual([]);
  });

  it("serves more watchers than Node's default listener limit without a warning", () => {
    const events = createInMemoryRunEvents();
    let count = 0;
    for (let i = 0; i < 50; i += 1) events.subscribe("run", () => (count += 1));
    events.publish("run", log("x"));
    events.flush();
    expect(count).toBe(50);
  });
});
