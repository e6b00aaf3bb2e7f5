import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile, writeFunctionModules } from "./fixtures.ts";

// "Why here, and why waiting" (issue #16 part 2) over real agents: a task waits for capacity while the other machine
// drains, the API says why, each attempt records why it ran where it did, and the live updates carry it.
const modules = writeFunctionModules();
const functions = [modules.mjs];
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    localMachine: "alpha",
    agents: [
      // Nothing assigned ahead (`--ahead 0`): with it, "next" would be queued on alpha behind "hold" instead of waiting.
      { name: "alpha", capacity: { cpu: 2, slots: 1 }, functions, extraArgs: ["--ahead", "0"] },
      { name: "beta", capacity: { cpu: 2, slots: 1 }, functions, extraArgs: ["--ahead", "0"] },
    ],
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("when a task waits for capacity while the other machine drains", () => {
  it("says why it waits, then why each attempt ran where it did", async () => {
    const { trpc } = stack.client;
    expect((await trpc.machines.drain.mutate({ name: "beta" })).status).toBe("draining");
    const { runId } = await stack.client.startRun(
      dagFile("why-waiting", [
        { id: "hold", fn: "t.slow", extraArgs: [3000, "held"] },
        { id: "next", fn: "t.where", extraArgs: [1] },
        { id: "after", fn: "t.where", args: ["hold"] },
      ]),
    );
    const events: Parameters<Parameters<typeof stack.client.watchRun>[1]>[0][] = [];
    const watched = stack.client.watchRun(runId, (event) => events.push(event));

    // "next" is ready but alpha's one slot is taken and beta drains: the on-demand query says so, per machine.
    await expect
      .poll(async () => (await trpc.runs.explainTask.query({ runId, taskId: "next" })).candidates, { timeout: 20_000 })
      .toEqual([
        { machine: "alpha", status: "online", verdict: "lacks", lacks: { slots: 1 } },
        { machine: "beta", status: "draining", verdict: "draining" },
      ]);
    const next = await trpc.runs.explainTask.query({ runId, taskId: "next" });
    expect(next).toMatchObject({ state: "waiting_for_resources", live: true });
    expect(await trpc.runs.explainTask.query({ runId, taskId: "after" })).toMatchObject({
      state: "waiting_for_dependencies",
      dependencies: { done: 0, total: 1, waitingFor: ["hold"] },
    });

    // Beta comes back: "next" goes there, turned down by alpha for lack of a slot.
    expect((await trpc.machines.undrain.mutate({ name: "beta" })).status).toBe("online");
    expect((await watched)?.status).toBe("succeeded");

    const [hold] = await trpc.runs.attempts.query({ runId, taskId: "hold" });
    expect(hold?.placement).toMatchObject({ machine: "alpha", rule: "local_first", turnedDown: [{ reason: "draining", count: 1 }] });
    const [nextAttempt] = await trpc.runs.attempts.query({ runId, taskId: "next" });
    expect(nextAttempt?.placement).toMatchObject({ machine: "beta", turnedDown: [{ reason: "lacks", resources: ["slots"], count: 1 }] });
    // "after" read hold's result: its explanation counts the input bytes already on the machine it chose.
    const [afterAttempt] = await trpc.runs.attempts.query({ runId, taskId: "after" });
    expect(afterAttempt?.placement?.inputBytes?.total).toBeGreaterThan(0);

    // The run's live updates carried the same explanation when "next" started (the watch began after "hold" did).
    const started = events
      .flatMap((message) => (message.type === "batch" ? message.events : []))
      .flatMap((event) => (event.type === "task" && event.change.state === "running" ? [event.change] : []));
    expect(started.find((change) => change.taskId === "next")?.placement).toMatchObject({ machine: "beta", turnedDown: [{ reason: "lacks", resources: ["slots"], count: 1 }] });
  });

  it("answers not found for a task the run does not have", async () => {
    const { runId } = await stack.client.startRun(dagFile("why-missing", [{ id: "a", fn: "t.where" }]));
    await expect(stack.client.trpc.runs.explainTask.query({ runId, taskId: "nope" })).rejects.toMatchObject({ data: { code: "NOT_FOUND" } });
  });
});
