import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gateFile, gateFunctionModule, startStack, type Stack } from "@handoff/cli/testing";
import { HandoffApiError } from "@handoff/sdk";
import type { DagFile } from "@handoff/protocol";
import { dagFile, writeFunctionModules } from "./fixtures.ts";

// Issue #11 §1: a succeeded run never has outputs that are already gone. An agent SIGKILLed and started again
// under its name comes back with a new result store: what it held is lost at once, sinks lost before their run
// ended are recomputed, and values lost after it answer `result_lost` (machine, time) until
// `results.recompute` brings them back from lineage.
const modules = writeFunctionModules();
const agent = (name: string) => ({ name, capacity: { cpu: 4, slots: 4 }, functions: [modules.mjs, gateFunctionModule()] });

type Task = DagFile["tasks"][number];

/** root → `width` fan-out tasks → sink: sink = width·root + width(width+1)/2. */
function fanOut(root: number, width: number, pauseMs: number, sink: Partial<Task> = {}): Task[] {
  const mids: Task[] = Array.from({ length: width }, (_, k) => ({ id: `m${k + 1}`, fn: "t.pause_add", args: ["root"], extraArgs: [k + 1, pauseMs] }));
  return [
    { id: "root", fn: "std.constant", extraArgs: [root] },
    ...mids,
    { id: "sink", fn: "t.pause_add", args: mids.map((task) => task.id), extraArgs: [0, pauseMs], ...sink },
  ];
}
const sinkValue = (root: number, width: number): number => width * root + (width * (width + 1)) / 2;

async function valueOrError(stack: Stack, runId: string, taskId: string): Promise<{ value: unknown } | { error: HandoffApiError }> {
  try {
    return { value: await stack.client.getValue(runId, taskId) };
  } catch (error) {
    if (error instanceof HandoffApiError) return { error };
    throw error;
  }
}

async function restartAgent(stack: Stack, name: string): Promise<void> {
  await stack.killAgent(name);
  await stack.startAgent(agent(name));
  await stack.waitForMachines([name]);
}

describe("when an agent is SIGKILLed and started again under its name", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ agents: [agent("a1"), agent("b")], serverEnv: { HANDOFF_NO_MACHINE_GRACE_MS: "60000" } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("recomputes a sink lost before its run ended: the run succeeds with its output readable", async () => {
    // The gate holds the run open until the sink's machine has been restarted (a fixed pause ended first under load).
    const gate = gateFile("sink-lost-mid-run");
    const { runId } = await stack.client.startRun(
      dagFile("sink-lost-mid-run", [...fanOut(3, 4, 10, { placement: { kind: "pinned", machine: "b" } }), { id: "gate", fn: "e2e.gate", extraArgs: [gate.path, 7], placement: { kind: "pinned", machine: "a1" } }]),
    );
    await expect.poll(async () => (await stack.client.getRun(runId)).tasks.find((task) => task.taskId === "sink")?.state, { timeout: 30_000 }).toBe("succeeded");
    expect((await stack.client.getRun(runId)).status).toBe("running");
    await restartAgent(stack, "b");
    gate.open();

    const outcome = (await stack.client.watchRun(runId, () => undefined))!;
    expect(outcome.status).toBe("succeeded");
    expect(await stack.client.getValue(runId, "sink")).toBe(sinkValue(3, 4));
    const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "sink" });
    expect(attempts.filter((attempt) => attempt.state === "succeeded").length).toBeGreaterThanOrEqual(2);
  });

  it("loses every location recorded under the old store at once, says so after a server restart too, and recomputes on request", async () => {
    const tasks = fanOut(5, 3, 0).map((task): Task => (task.type === "inline" ? task : { ...task, placement: { kind: "pinned", machine: "b" } }));
    const { runId } = await stack.client.startRun(dagFile("all-on-b", tasks));
    expect((await stack.client.watchRun(runId, () => undefined))!.status).toBe("succeeded");
    expect(await stack.client.getValue(runId, "sink")).toBe(sinkValue(5, 3));

    const before = Date.now();
    await restartAgent(stack, "b");
    // At once: the hello that brought "b" back already made its old locations lost (not "not found", not "offline").
    for (const taskId of ["root", "m1", "sink"]) {
      const got = await valueOrError(stack, runId, taskId);
      expect("error" in got && got.error.kind).toBe("result_lost");
      if (!("error" in got)) continue;
      expect(got.error.details["machine"]).toBe("b");
      expect(Date.parse(String(got.error.details["lostAt"]))).toBeGreaterThanOrEqual(before - 1000);
      expect(got.error.message).toContain('machine "b"');
    }
    // The kind travels as a field, never as a prefix of the message.
    const refused = await stack.client.getResult(runId, "sink").catch((error: unknown) => error);
    expect(refused).toMatchObject({ kind: "result_lost", details: { machine: "b" } });
    expect((refused as Error).message).toMatch(/^the result of "sink" .*machine "b"/);
    const view = await stack.client.getRun(runId);
    expect(view.tasks.find((task) => task.taskId === "sink")?.lost?.machine).toBe("b");

    // Recorded in the database: a restarted server answers the same.
    await stack.restartServer();
    await stack.waitForMachines(["a1", "b"]);
    const afterRestart = await valueOrError(stack, runId, "sink");
    expect("error" in afterRestart && afterRestart.error.kind).toBe("result_lost");

    const recomputed = await stack.client.recompute(runId, "sink");
    expect(recomputed.outcome?.status).toBe("succeeded");
    expect(recomputed.runId).not.toBe(runId);
    const child = await stack.client.getRun(recomputed.runId);
    expect([child.parentRunId, child.reason, child.tasks.map((task) => task.taskId).sort()]).toEqual([runId, "recompute", ["m1", "m2", "m3", "root", "sink"]]);
    expect(await stack.client.getValue(runId, "sink")).toBe(sinkValue(5, 3));
    expect((await stack.client.getResult(runId, "sink")).machine).toBe("b");
  });

  it("under load (20 runs × 20 tasks on two agents, one SIGKILLed mid-way): every run succeeds and every output is readable, or lost after its run ended and recomputed", async () => {
    const runs = 20;
    const width = 18;
    const started: { runId: string; root: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const { runId } = await stack.client.startRun(dagFile(`load-${i}`, fanOut(i, width, 30), { strategy: "load_balanced" }));
      started.push({ runId, root: i });
    }
    // Mid-way: some runs have ended, others are still going.
    await expect
      .poll(async () => (await Promise.all(started.map(async ({ runId }) => (await stack.client.getRun(runId)).status))).filter((status) => status !== "running").length, {
        timeout: 120_000,
        interval: 200,
      })
      .toBeGreaterThanOrEqual(3);
    // Taken once "b" is dead (its SIGKILL answered), not before: a run may end while the signal is on its way.
    await stack.killAgent("b");
    const killedAt = Date.now();
    await stack.startAgent(agent("b"));
    await stack.waitForMachines(["b"]);

    const outcomes = await Promise.all(started.map(async ({ runId }) => (await stack.client.watchRun(runId, () => undefined))!));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(Array.from({ length: runs }, () => "succeeded"));

    const lostAfterEnd: { runId: string; root: number }[] = [];
    for (const { runId, root } of started) {
      const got = await valueOrError(stack, runId, "sink");
      if ("value" in got) {
        expect(got.value).toBe(sinkValue(root, width));
        continue;
      }
      // Only a run that had already ended when "b" died may have lost its output; it says where and when.
      expect(got.error.kind).toBe("result_lost");
      expect(got.error.details["machine"]).toBe("b");
      const finishedAt = Date.parse((await stack.client.getRun(runId)).finishedAt!);
      expect(finishedAt).toBeLessThanOrEqual(killedAt);
      lostAfterEnd.push({ runId, root });
    }
    for (const { runId, root } of lostAfterEnd) {
      expect((await stack.client.recompute(runId, "sink")).outcome?.status).toBe("succeeded");
      expect(await stack.client.getValue(runId, "sink")).toBe(sinkValue(root, width));
    }
  });
});
