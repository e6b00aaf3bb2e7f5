import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile, writeFunctionModules } from "./fixtures.ts";

// Issue #13: a sink's many inputs from one other machine travel under one shared grant naming them all (and are
// fetched in batches); every value arrives, in order, and each download is reported.
const modules = writeFunctionModules();
const agent = (name: string) => ({ name, capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs] });

describe("when a sink on one machine takes many values made on another", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ agents: [agent("a"), agent("b")] });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("receives every value in order under a shared grant", { timeout: 180_000 }, async () => {
    const count = 1_200; // more than two batches of 500, and more downloads than an attempt's metrics list (1,000)
    const tasks = Array.from({ length: count }, (_, index) => ({ id: `v${index}`, fn: "t.double", args: [] as string[], extraArgs: [index], placement: { kind: "pinned" as const, machine: "a" } }));
    const outcome = await stack.client.execute(
      dagFile("fan-in", [...tasks, { id: "sink", fn: "t.collect", args: tasks.map((task) => task.id), argumentInclusion: "as_list", extraArgs: ["all"], placement: { kind: "pinned", machine: "b" } }]),
      { materialize: true },
    );
    expect(outcome.status, JSON.stringify(outcome.failures)).toBe("succeeded");
    expect(outcome.results["sink"]).toBe(`all:${JSON.stringify(Array.from({ length: count }, (_, index) => index * 2))}`);
    const [sink] = await stack.client.trpc.runs.attempts.query({ runId: outcome.runId, taskId: "sink" });
    const metrics = sink?.metrics;
    expect(metrics?.transfers).toHaveLength(1_000);
    expect(metrics?.transfers?.every((transfer) => transfer.from === "a")).toBe(true);
    expect(metrics?.inputsMs).toBeGreaterThan(0);
    // Every download is summed, not only the 1,000 listed: the fetch alone lies within the inputs' time, the call after.
    const bytes = Array.from({ length: count }, (_, index) => JSON.stringify(index * 2).length).reduce((sum, size) => sum + size, 0);
    expect(metrics?.fetched).toMatchObject({ count, bytes });
    expect(metrics!.fetched!.ms).toBeGreaterThan(0);
    expect(metrics!.fetched!.ms).toBeLessThanOrEqual(metrics!.inputsMs!);
    expect(metrics!.beforeCallMs).toBeGreaterThanOrEqual(metrics!.inputsMs!);
  });
});
