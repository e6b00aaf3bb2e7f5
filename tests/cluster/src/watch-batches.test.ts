import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile } from "./fixtures.ts";

// Issue 14 §6: runs.watch sends one message per scheduler tick (a batch of that tick's changes), not one per change.
let stack: Stack;
/** One message of `runs.watch` as the SDK hands it on. */
type WatchMessage = Parameters<Parameters<Stack["client"]["watchRun"]>[1]>[0];

beforeAll(async () => {
  stack = await startStack({ localMachine: "alpha", agents: [{ name: "alpha", capacity: { cpu: 8, slots: 8 } }] });
});

afterAll(async () => {
  await stack?.stop();
});

describe("when a run of 200 parallel tasks is watched", () => {
  it("receives the snapshot, then batches holding every change in order, far fewer messages than changes, the last one carrying the run's end", async () => {
    const width = 200;
    const tasks = [{ id: "gate", fn: "std.sleep", extraArgs: [1_500, 1] }, ...Array.from({ length: width }, (_, i) => ({ id: `t${i}`, fn: "std.identity", args: ["gate"] }))];
    const { runId } = await stack.client.startRun(dagFile("watch-batches", tasks));
    const messages: WatchMessage[] = [];
    const outcome = await stack.client.watchRun(runId, (message) => messages.push(message));
    expect(outcome?.status).toBe("succeeded");

    expect(messages[0]?.type).toBe("snapshot");
    const batches = messages.slice(1);
    expect(batches.every((message) => message.type === "batch" && message.events.length > 0)).toBe(true);
    const events = batches.flatMap((message) => (message.type === "batch" ? message.events : []));
    const changes = events.filter((event) => event.type === "task");
    // Every task that had not succeeded at the snapshot is seen succeeding, once.
    const succeededAtSnapshot = messages[0]?.type === "snapshot" ? messages[0].run.tasks.filter((task) => task.state === "succeeded").length : 0;
    const succeeded = changes.filter((event) => event.type === "task" && event.change.state === "succeeded").map((event) => (event.type === "task" ? event.change.taskId : ""));
    expect(new Set(succeeded).size).toBe(succeeded.length);
    expect(succeeded.length + succeededAtSnapshot).toBe(width + 1);
    // Each task's changes arrive in the order they happened.
    for (const id of ["gate", "t0", `t${width - 1}`]) {
      const states = changes.flatMap((event) => (event.type === "task" && event.change.taskId === id ? [event.change.state] : []));
      if (states.includes("running")) expect(states.indexOf("running")).toBeLessThan(states.indexOf("succeeded"));
    }
    // A tick's changes travel together: hundreds of changes in a few dozen messages at most.
    expect(changes.length).toBeGreaterThanOrEqual(width);
    expect(batches.length).toBeLessThan(changes.length / 4);
    expect(events.at(-1)?.type).toBe("finished");
  });
});
