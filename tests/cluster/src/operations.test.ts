import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { createClient, HandoffApiError } from "@handoff/sdk";
import { dagFile, tempFile, writeFunctionModules } from "./fixtures.ts";

// Operating a cluster: draining machines, load history, run timelines with transfers, re-runs and run
// filters (issue #6's API), and the machine-loss cases of issue #5 that need their own timeouts.
const modules = writeFunctionModules();
const handoffBin = fileURLToPath(new URL("../../../apps/cli/bin/handoff.mjs", import.meta.url));
const functions = [modules.mjs];
let stack: Stack;

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : []);

async function expectNoClaims(): Promise<void> {
  await expect
    .poll(async () => (await stack.client.discoverMachines()).flatMap((machine) => Object.values(machine.claimed)).filter((amount) => amount !== 0), { timeout: 10_000 })
    .toEqual([]);
}

/** The error a call failed with: the SDK's own calls throw HandoffApiError, raw tRPC calls a TRPCClientError. */
async function apiError(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error: unknown = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (error instanceof HandoffApiError) return { code: error.code, message: error.message };
  const data = (error as { data?: { code?: string } } | undefined)?.data;
  expect(data?.code).toBeTypeOf("string");
  return { code: data!.code!, message: (error as Error).message };
}

beforeAll(async () => {
  stack = await startStack({
    localMachine: "alpha",
    serverEnv: { HANDOFF_MACHINE_TIMEOUT_MS: "5000", HANDOFF_NO_MACHINE_GRACE_MS: "3000" },
    agents: [
      { name: "alpha", capacity: { cpu: 4, slots: 4 }, functions },
      { name: "beta", capacity: { cpu: 4, slots: 4 }, functions },
    ],
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("draining a machine", () => {
  it("lets its running task finish, sends it nothing new, and brings it back", async () => {
    const { runId: running } = await stack.client.startRun(dagFile("drain-running", [{ id: "s", fn: "t.slow", extraArgs: [1500, "kept"], placement: { kind: "pinned", machine: "beta" } }]));
    await expect.poll(async () => (await stack.client.getRun(running)).tasks[0]?.state, { timeout: 20_000 }).toBe("running");
    expect((await stack.client.trpc.machines.drain.mutate({ name: "beta" })).status).toBe("draining");

    const spread = await stack.client.execute(
      dagFile("drain-new", Array.from({ length: 8 }, (_, index) => ({ id: `t${index}`, fn: "t.where", extraArgs: [index] }))),
      { strategy: "load_balanced" },
    );
    expect(spread.status).toBe("succeeded");
    expect(new Set(Object.values(spread.allocations))).toEqual(new Set(["alpha"]));
    expect((await stack.client.watchRun(running, () => undefined))?.status).toBe("succeeded");
    expect((await stack.client.getRun(running)).tasks[0]?.machine).toBe("beta");

    expect((await stack.client.trpc.machines.undrain.mutate({ name: "beta" })).status).toBe("online");
    const back = await stack.client.execute(dagFile("drain-back", [{ id: "b", fn: "t.where", placement: { kind: "pinned", machine: "beta" } }]));
    expect(back.allocations).toEqual({ b: "beta" });
    await expectNoClaims();
  });

  it("drains and undrains from the CLI, and names a missing machine name", () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [handoffBin, "machines", ...args, "--server", stack.url, "--token", stack.adminToken], { encoding: "utf8", timeout: 60_000 });
    const drained = cli("drain", "beta");
    expect(drained.stdout).toContain("beta is draining");
    expect(drained.status).toBe(0);
    expect(cli().stdout).toMatch(/beta\s+draining/);
    expect(cli("undrain", "beta").stdout).toContain("beta is online");
    const missing = cli("drain");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("drain needs exactly one machine NAME");
  });

  it("refuses an unknown machine and a user token", async () => {
    // The test before blocked this process in spawnSync for longer than the server keeps idle connections: let the
    // event loop see those closes before the client reuses a pooled connection.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await apiError(stack.client.trpc.machines.drain.mutate({ name: "nowhere" }))).message).toMatch(/unknown machine "nowhere"/);
    const { token } = await stack.client.trpc.tokens.create.mutate({ name: "drainer", kind: "user" });
    const user = createClient({ url: stack.url, token });
    expect((await apiError(user.trpc.machines.drain.mutate({ name: "beta" }))).code).toBe("FORBIDDEN");
    await expect.poll(async () => (await stack.client.discoverMachines()).find((machine) => machine.name === "beta")?.status, { timeout: 10_000 }).toBe("online");
  });
});

describe("load history", () => {
  it("samples every machine each second: capacity, claims while a task runs, measured CPU and memory", async () => {
    const { runId } = await stack.client.startRun(dagFile("history", [{ id: "s", fn: "t.slow", extraArgs: [2500, 1], cost: { cpu: 3 }, placement: { kind: "pinned", machine: "alpha" } }]));
    await expect
      .poll(async () => (await stack.client.trpc.machines.history.query({ name: "alpha" })).machines[0]?.samples.some((sample) => sample.claimed["cpu"] === 3), { timeout: 20_000 })
      .toBe(true);
    await stack.client.watchRun(runId, () => undefined);
    const { machines } = await stack.client.trpc.machines.history.query();
    expect(machines.map((machine) => machine.name)).toEqual(["alpha", "beta"]);
    const latest = machines[0]!.samples.at(-1)!;
    expect(latest.capacity).toMatchObject({ cpu: 4, slots: 4 });
    expect(latest.memoryTotalMb).toBeGreaterThan(0);
    expect(latest.cpuPercent).not.toBeNull();
    const since = latest.at;
    expect((await stack.client.trpc.machines.history.query({ name: "alpha", sinceMs: since })).machines[0]!.samples.every((sample) => sample.at > since)).toBe(true);
    expect((await apiError(stack.client.trpc.machines.history.query({ name: "nowhere" }))).code).toBe("NOT_FOUND");
  });
});

describe("run timeline, re-run and filters", () => {
  it("records every attempt on its machine, with the bytes and time of each value that moved", async () => {
    const outcome = await stack.client.execute(
      dagFile("timeline", [
        { id: "p", fn: "std.bytes", extraArgs: [100_000, 7], placement: { kind: "pinned", machine: "alpha" } },
        { id: "q", fn: "std.length", args: ["p"], placement: { kind: "pinned", machine: "beta" } },
      ]),
    );
    expect(outcome.status).toBe("succeeded");
    const timeline = await stack.client.trpc.runs.timeline.query({ runId: outcome.runId });
    expect(timeline.tasks.map((task) => [task.taskId, task.fn, task.deps, task.machine])).toEqual([
      ["p", "std.bytes", [], "alpha"],
      ["q", "std.length", ["p"], "beta"],
    ]);
    expect(timeline.attempts.map((attempt) => [attempt.taskId, attempt.number, attempt.machine, attempt.state])).toEqual([
      ["p", 1, "alpha", "succeeded"],
      ["q", 1, "beta", "succeeded"],
    ]);
    const q = timeline.attempts[1]!;
    expect(q.metrics?.transfers).toEqual([{ taskId: "p", from: "alpha", bytes: 100_000, ms: expect.any(Number) as number }]);
    expect(timeline.attempts[0]!.metrics?.transfers).toBeUndefined();
    expect(Date.parse(q.startedAt!)).toBeGreaterThanOrEqual(Date.parse(timeline.attempts[0]!.finishedAt!) - 5);

    const { runId: again } = await stack.client.trpc.runs.rerun.mutate({ runId: outcome.runId });
    expect(again).not.toBe(outcome.runId);
    expect((await stack.client.watchRun(again, () => undefined))?.status).toBe("succeeded");
    expect(await stack.client.getValue(again, "q")).toBe(100_000);
    expect((await stack.client.getRun(again)).dagName).toBe("timeline");
    expect((await apiError(stack.client.trpc.runs.rerun.mutate({ runId: "no-such-run" }))).code).toBe("NOT_FOUND");
  });

  it("filters runs by DAG, who started them and time, and names a bad filter", async () => {
    const { token } = await stack.client.trpc.tokens.create.mutate({ name: "filterer", kind: "user" });
    const user = createClient({ url: stack.url, token });
    const before = new Date().toISOString();
    await user.execute(dagFile("filtered", [{ id: "a", fn: "std.constant", extraArgs: [1] }]));
    await stack.client.execute(dagFile("filtered", [{ id: "a", fn: "std.constant", extraArgs: [2] }]));
    const byDag = await stack.client.trpc.runs.list.query({ dag: "filtered" });
    expect(byDag.items.map((run) => run.startedBy)).toEqual(["bootstrap admin", "filterer"]);
    const byUser = await stack.client.trpc.runs.list.query({ dag: "filtered", startedBy: "filterer" });
    expect(byUser.items).toHaveLength(1);
    expect((await stack.client.trpc.runs.list.query({ dag: "filtered", from: before })).items).toHaveLength(2);
    expect((await stack.client.trpc.runs.list.query({ dag: "filtered", to: before })).items).toHaveLength(0);
    expect((await stack.client.trpc.runs.list.query({ status: "succeeded", dag: "filtered", from: new Date(Date.now() + 60_000).toISOString() })).items).toHaveLength(0);
    const bad = await apiError(stack.client.trpc.runs.list.query({ from: "yesterday" }));
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.message).toMatch(/from/);
  });
});

describe("machine loss", () => {
  it("kills two machines in a row: the task reruns on the second, then fails with a named reason once no machine can take it", async () => {
    await stack.startAgent({ name: "k1", capacity: { cpu: 16, slots: 2 }, functions });
    await stack.startAgent({ name: "k2", capacity: { cpu: 16, slots: 2 }, functions });
    const { runId } = await stack.client.startRun(dagFile("two-losses", [{ id: "s", fn: "t.slow", extraArgs: [60_000, 1], cost: { cpu: 16 } }]));
    await expect.poll(async () => (await stack.client.getRun(runId)).tasks[0]?.machine, { timeout: 20_000 }).toMatch(/^k[12]$/);
    const first = (await stack.client.getRun(runId)).tasks[0]!.machine!;
    const second = first === "k1" ? "k2" : "k1";
    await stack.killAgent(first);
    await expect.poll(async () => (await stack.client.getRun(runId)).tasks[0]?.machine, { timeout: 20_000 }).toBe(second);
    await expect.poll(async () => (await stack.client.getRun(runId)).tasks[0]?.state, { timeout: 20_000 }).toBe("running");
    await stack.killAgent(second);

    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("failed");
    expect(outcome?.failures[0]).toMatchObject({ taskId: "s", kind: "infeasible" });
    expect(outcome?.failures[0]?.message).toMatch(/no eligible machine for 3000 ms/);
    const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "s" });
    expect(attempts.map((attempt) => [attempt.machine, attempt.state, attempt.error?.kind])).toEqual([
      [first, "failed", "machine_lost"],
      [second, "failed", "machine_lost"],
    ]);
    await expectNoClaims();
  });

  it("fences a machine that comes back with a stale attempt: it is told to stop, its report ignored, the rerun's result kept", async () => {
    await stack.startAgent({ name: "frozen", capacity: { cpu: 32, slots: 2 }, functions });
    const file = tempFile("stale");
    const { runId } = await stack.client.startRun(dagFile("stale", [{ id: "h", fn: "t.hang_first", extraArgs: [file], cost: { cpu: 32 } }]));
    await expect.poll(() => lines(file), { timeout: 20_000 }).toEqual(["started"]);
    // Freeze the agent: no heartbeats, so the server declares it lost; the retry needs a machine that fits.
    const agent = stack.agents.get("frozen")!;
    agent.kill("SIGSTOP");
    await stack.client.registerMachine("beta", { cpu: 32, slots: 4 });
    const outcome = await stack.client.watchRun(runId, () => undefined);
    agent.kill("SIGCONT");
    expect(outcome?.status).toBe("succeeded");
    expect(outcome?.allocations).toEqual({ h: "beta" });
    expect(await stack.client.getValue(runId, "h")).toBe(2);
    // Back online, the stale attempt is aborted (fenced by its attempt id) instead of finishing.
    await stack.waitForMachines(["frozen"]);
    await expect.poll(() => lines(file), { timeout: 20_000 }).toEqual(["started", "aborted"]);
    const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "h" });
    expect(attempts.map((attempt) => [attempt.machine, attempt.state, attempt.error?.kind ?? null])).toEqual([
      ["frozen", "failed", "machine_lost"],
      ["beta", "succeeded", null],
    ]);
    expect(await stack.client.getValue(runId, "h")).toBe(2);
    await stack.client.registerMachine("beta", { cpu: 4, slots: 4 });
    await expectNoClaims();
  });
});
