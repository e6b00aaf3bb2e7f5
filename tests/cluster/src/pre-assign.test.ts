import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import type { DagFile } from "@handoff/protocol";
import { dagFile, tempFile, writeFunctionModules } from "./fixtures.ts";

// Issue #15: a dependent is assigned to its producer's machine as soon as the producer is (its input names the
// producer's attempt), and that agent starts it once the value is in its store, without a round trip. Real agents:
// "eager" announces it (the default), "plain" does not (`--no-pre-assign`), as an agent from before it.
const modules = writeFunctionModules();
const functions = [modules.mjs];
let stack: Stack;

type Task = DagFile["tasks"][number];
type Attempt = Awaited<ReturnType<Stack["client"]["trpc"]["runs"]["timeline"]["query"]>>["attempts"][number];

beforeAll(async () => {
  stack = await startStack({
    agents: [
      { name: "eager", capacity: { cpu: 4, slots: 2 }, functions },
      { name: "plain", capacity: { cpu: 4, slots: 2 }, functions, extraArgs: ["--no-pre-assign"] },
    ],
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** c0 → s1 → s2 → s3 → s4, each hop 200 ms (`t.slow_inc`, which notes where it ran in `file`). */
function chain(file: string, pinned?: string): Task[] {
  const placement = pinned === undefined ? {} : { placement: { kind: "pinned" as const, machine: pinned } };
  return [
    { id: "c0", fn: "std.constant", extraArgs: [0], ...placement },
    ...[1, 2, 3, 4].map((i): Task => ({ id: `s${i}`, fn: "t.slow_inc", args: [i === 1 ? "c0" : `s${i - 1}`], extraArgs: [200, file], ...placement })),
  ];
}

async function attemptsOf(runId: string): Promise<Map<string, Attempt[]>> {
  const timeline = await stack.client.trpc.runs.timeline.query({ runId });
  const byTask = new Map<string, Attempt[]>();
  for (const attempt of [...timeline.attempts].sort((a, b) => a.number - b.number)) byTask.set(attempt.taskId, [...(byTask.get(attempt.taskId) ?? []), attempt]);
  return byTask;
}

const ms = (iso: string | null): number => (iso === null ? Number.NaN : Date.parse(iso));

describe("when a chain runs on agents that take pre-assigned attempts", () => {
  it("assigns each hop to its producer's machine before the producer ends, and the results are right", async () => {
    const file = tempFile("pre-assign-chain");
    const { runId } = await stack.client.startRun(dagFile("pre-assigned-chain", chain(file, undefined).map((task) => (task.id === "c0" ? { ...task, placement: { kind: "pinned", machine: "eager" } } : task))));
    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("succeeded");
    expect(await stack.client.getValue(runId, "s4")).toBe(4);
    // Every hop ran on the machine its producer ran on (c0 pinned to eager; the rest auto-placed).
    expect(readFileSync(file, "utf8").split("\n").filter(Boolean)).toEqual([1, 2, 3, 4].flatMap(() => ["start eager", "done eager"]));
    const attempts = await attemptsOf(runId);
    for (const i of [2, 3, 4]) {
      const [producer] = attempts.get(`s${i - 1}`)!;
      const [consumer] = attempts.get(`s${i}`)!;
      expect(consumer!.machine).toBe("eager");
      // Assigned (an attempt's start is its assignment) while its producer still ran its 200 ms.
      expect(ms(consumer!.startedAt)).toBeLessThan(ms(producer!.finishedAt) - 100);
    }
  });

  it("assigns nothing ahead of its input to an agent that does not announce it", async () => {
    const file = tempFile("plain-chain");
    const { runId } = await stack.client.startRun(dagFile("plain-chain", chain(file, "plain")));
    expect((await stack.client.watchRun(runId, () => undefined))?.status).toBe("succeeded");
    expect(await stack.client.getValue(runId, "s4")).toBe(4);
    const attempts = await attemptsOf(runId);
    for (const i of [2, 3, 4]) {
      const [producer] = attempts.get(`s${i - 1}`)!;
      const [consumer] = attempts.get(`s${i}`)!;
      expect(ms(consumer!.startedAt)).toBeGreaterThanOrEqual(ms(producer!.finishedAt));
    }
  });

  it("withdraws a pre-assigned dependent when its producer fails, without spending its retry, and runs it after the retry", async () => {
    const counter = tempFile("pre-assign-fail");
    const { runId } = await stack.client.startRun(
      dagFile("pre-assigned-withdrawn", [
        { id: "c0", fn: "std.constant", extraArgs: [1], placement: { kind: "pinned", machine: "eager" } },
        // Fails on its first call, succeeds on the retry.
        { id: "p", fn: "t.fail_once", args: ["c0"], extraArgs: [counter], maxRetries: 1, retryBackoff: { initialMs: 0 } },
        // No retry of its own: the withdrawal must not cost one.
        { id: "c", fn: "t.double", args: ["p"], maxRetries: 0 },
      ]),
    );
    expect((await stack.client.watchRun(runId, () => undefined))?.status).toBe("succeeded");
    expect(await stack.client.getValue(runId, "c")).toBe(20);
    const attempts = await attemptsOf(runId);
    const [failedP, retriedP] = attempts.get("p")!;
    const [withdrawn, ran] = attempts.get("c")!;
    expect([failedP!.state, retriedP!.state]).toEqual(["failed", "succeeded"]);
    // c's first attempt was assigned beside p's first one, before it failed, and ended with it (withdrawn).
    expect(withdrawn).toMatchObject({ number: 1, machine: failedP!.machine });
    expect(withdrawn!.state).not.toBe("succeeded");
    expect(ms(withdrawn!.startedAt)).toBeLessThanOrEqual(ms(failedP!.finishedAt));
    expect(ran).toMatchObject({ number: 2, state: "succeeded", machine: retriedP!.machine });
    expect(attempts.get("c")!.length).toBe(2);
  });

  it("withdraws a pre-assigned dependent whose agent is killed before its producer ends: cancelled, not machine_lost", async () => {
    await stack.startAgent({ name: "doomed", capacity: { cpu: 4, slots: 2 }, functions });
    const file = tempFile("pre-assign-killed");
    const onDoomed = { placement: { kind: "pinned" as const, machine: "doomed" } };
    const { runId } = await stack.client.startRun(
      dagFile("pre-assigned-killed", [
        { id: "c0", fn: "std.constant", extraArgs: [1], ...onDoomed },
        { id: "p", fn: "t.slow_inc", args: ["c0"], extraArgs: [3000, file], ...onDoomed },
        { id: "c", fn: "t.double", args: ["p"], maxRetries: 0 },
      ]),
    );
    // c is pre-assigned beside p (with it, at once); once p has started, the agent dies.
    await expect.poll(() => existsSync(file) && readFileSync(file, "utf8").includes("start doomed"), { timeout: 20_000 }).toBe(true);
    expect((await attemptsOf(runId)).get("c")?.map((attempt) => [attempt.number, attempt.machine])).toEqual([[1, "doomed"]]);
    await stack.killAgent("doomed");
    await stack.startAgent({ name: "doomed", capacity: { cpu: 4, slots: 2 }, functions });
    expect((await stack.client.watchRun(runId, () => undefined))?.status).toBe("succeeded");
    expect(await stack.client.getValue(runId, "c")).toBe(4);
    const kinds = async (taskId: string) => (await stack.client.trpc.runs.attempts.query({ runId, taskId })).map((attempt) => [attempt.number, attempt.state, attempt.error?.kind ?? null]);
    expect((await kinds("p"))[0]).toEqual([1, "failed", "machine_lost"]);
    expect(await kinds("c")).toEqual([[1, "cancelled", "cancelled"], [2, "succeeded", null]]);
    await stack.killAgent("doomed");
  });
});
