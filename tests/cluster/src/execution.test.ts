import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { createClient, HandoffApiError } from "@handoff/sdk";
import { dagFile, tempFile, writeFunctionModules } from "./fixtures.ts";

const modules = writeFunctionModules();
const functions = [modules.mjs, modules.ts];
let stack: Stack;

const countLines = (file: string): string[] => readFileSync(file, "utf8").split("\n").filter(Boolean);

beforeAll(async () => {
  stack = await startStack({
    localMachine: "alpha",
    agents: [
      { name: "alpha", capacity: { cpu: 2, slots: 2 }, functions },
      { name: "beta", capacity: { cpu: 4, slots: 4, gpu: 1 }, functions },
      { name: "gamma", capacity: { cpu: 1, slots: 1 }, functions },
    ],
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("a cluster of three agent processes, through the SDK client", () => {
  it("runs a chain, a diamond with extra args, and an as_list task", async () => {
    const outcome = await stack.client.execute(
      dagFile("shapes", [
        { id: "a", fn: "std.constant", extraArgs: [10] },
        { id: "b", fn: "t.double", args: ["a"] },
        { id: "c", fn: "t.add", args: ["a"], extraArgs: [5] },
        { id: "d", fn: "t.minus", args: ["b", "c"], extraArgs: [1] },
        { id: "all", fn: "t.collect", args: ["d", "a", "b"], argumentInclusion: "as_list", extraArgs: ["got"] },
      ]),
      { materialize: true },
    );
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results).toEqual({ a: 10, b: 20, c: 15, d: 4, all: "got:[4,10,20]" });
  });

  it("evaluates an inline task once per consumer, on each consumer's machine", async () => {
    const counter = tempFile("inline");
    const outcome = await stack.client.execute(
      dagFile("inline", [
        { id: "a", fn: "std.constant", extraArgs: [1] },
        { id: "i", fn: "t.counted_inc", args: ["a"], extraArgs: [counter], type: "inline" },
        { id: "b", fn: "t.double", args: ["i"], placement: { kind: "pinned", machine: "beta" } },
        { id: "c", fn: "t.add", args: ["i", "a"], placement: { kind: "pinned", machine: "gamma" } },
      ]),
      { materialize: true },
    );
    expect(outcome.results).toEqual({ a: 1, b: 4, c: 3 });
    expect(countLines(counter).sort()).toEqual(["beta", "gamma"]);
  });

  it("retries a flaky function and records every attempt", async () => {
    const counter = tempFile("flaky");
    const { runId } = await stack.client.startRun(dagFile("flaky", [{ id: "f", fn: "t.flaky", extraArgs: [counter, 2], maxRetries: 3, retryBackoff: { initialMs: 0 } }]));
    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("succeeded");
    const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "f" });
    expect(attempts.map((attempt) => attempt.state)).toEqual(["failed", "failed", "succeeded"]);
    expect(attempts[0]?.error?.message).toContain("flake 1");
    expect(await stack.client.getValue(runId, "f")).toBe(3);
  });

  it("fails fast: cancels a running sibling on another machine and reports the failure", async () => {
    const hangFile = tempFile("hang");
    const outcome = await stack.client.execute(
      dagFile("fail-fast", [
        { id: "stuck", fn: "t.hang", extraArgs: [hangFile], placement: { kind: "pinned", machine: "beta" } },
        { id: "wait", fn: "t.slow", extraArgs: [300, 0] },
        { id: "bad", fn: "t.boom", args: ["wait"], extraArgs: ["broken on purpose"], maxRetries: 1, retryBackoff: { initialMs: 0 } },
      ]),
    );
    expect(outcome.status).toBe("failed");
    expect(outcome.failures[0]).toMatchObject({ taskId: "bad", kind: "function_failed", attempts: 2 });
    expect(outcome.failures[0]?.message).toContain("broken on purpose");
    await expect.poll(() => countLines(hangFile), { timeout: 10_000 }).toEqual(["started", "aborted"]);
  });

  it("continue mode: independent branches finish, dependents become upstream_failed", async () => {
    const { runId } = await stack.client.startRun(
      dagFile("continue", [
        { id: "bad", fn: "std.fail", maxRetries: 0 },
        { id: "child", fn: "t.double", args: ["bad"] },
        { id: "ok", fn: "std.constant", extraArgs: [3] },
        { id: "ok2", fn: "t.double", args: ["ok"] },
      ]),
      { onFailure: "continue" },
    );
    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("failed");
    const run = await stack.client.getRun(runId);
    const states = Object.fromEntries(run.tasks.map((task) => [task.taskId, task.state]));
    expect(states).toEqual({ bad: "failed", child: "upstream_failed", ok: "succeeded", ok2: "succeeded" });
    expect(await stack.client.getValue(runId, "ok2")).toBe(6);
  });

  it("rejects pinned-to-unknown, infeasible cost and unknown functions, naming the task and the closest machine", async () => {
    const attempt = stack.client.startRun(
      dagFile("infeasible", [
        { id: "pin", fn: "t.double", placement: { kind: "pinned", machine: "nowhere" } },
        { id: "huge", fn: "t.double", cost: { gpu: 2 } },
        { id: "ghost", fn: "t.no_such_function" },
      ]),
    );
    const error = await attempt.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(HandoffApiError);
    const problems = (error as HandoffApiError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "infeasible", taskId: "pin" }),
        expect.objectContaining({ kind: "infeasible", taskId: "huge", closestMachine: "beta", lacks: { gpu: 1 } }),
        expect.objectContaining({ kind: "unknown_function", taskId: "ghost" }),
      ]),
    );
    const runs = await stack.client.listRuns({ limit: 200 });
    expect(runs.items.some((run) => run.dagName === "infeasible")).toBe(false);
  });

  it("keeps a collocation group on one machine that holds the merged cost", async () => {
    const outcome = await stack.client.execute(
      dagFile("collocated", [
        { id: "a", fn: "t.where", cost: { cpu: 2 } },
        { id: "b", fn: "t.where", args: ["a"], cost: { cpu: 2 }, placement: { kind: "collocated", with: "a" } },
      ]),
    );
    expect(outcome.status).toBe("succeeded");
    // Merged cpu 4: only beta has it.
    expect(outcome.allocations).toEqual({ a: "beta", b: "beta" });
  });

  it("spills four concurrent runs onto other machines when the local one is busy", async () => {
    const runs = await Promise.all(
      [0, 1, 2, 3].map((i) => stack.client.execute(dagFile(`spill-${i}`, [{ id: "s", fn: "t.slow", extraArgs: [400, i], cost: { cpu: 1 } }]), { materialize: true })),
    );
    const machines = runs.map((outcome) => (outcome.results["s"] as { machine: string }).machine);
    expect(runs.every((outcome) => outcome.status === "succeeded")).toBe(true);
    expect(machines.filter((machine) => machine === "alpha").length).toBeLessThanOrEqual(2);
    expect(new Set(machines).size).toBeGreaterThan(1);
  });

  it("keeps a value on its producer until a consumer on another machine fetches it", async () => {
    const { runId } = await stack.client.startRun(
      dagFile("locality", [
        { id: "p", fn: "std.constant", extraArgs: [{ big: "value" }], placement: { kind: "pinned", machine: "gamma" } },
        { id: "c", fn: "t.where", args: ["p"], placement: { kind: "pinned", machine: "beta" } },
      ]),
    );
    await stack.client.watchRun(runId, () => undefined);
    expect(await stack.client.lookupDataLocation(runId, "p")).toBe("gamma");
    expect(await stack.client.getValue(runId, "c")).toEqual({ machine: "beta", args: [{ big: "value" }] });
    expect(await stack.client.getValue(runId, "p", { fromMachine: "gamma" })).toEqual({ big: "value" });
  });

  it("moves a 64 MiB binary between machines intact, as raw bytes", async () => {
    const size = 64 * 1024 * 1024;
    const { runId } = await stack.client.startRun(
      dagFile("big-binary", [
        { id: "blob", fn: "std.bytes", extraArgs: [size, 7], placement: { kind: "pinned", machine: "alpha" } },
        { id: "sum", fn: "t.checksum", args: ["blob"], placement: { kind: "pinned", machine: "beta" } },
      ]),
    );
    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("succeeded");
    const local = (await stack.client.getValue(runId, "blob")) as Uint8Array;
    expect(local).toBeInstanceOf(Uint8Array);
    expect(local.byteLength).toBe(size);
    const { createHash } = await import("node:crypto");
    const remote = (await stack.client.getValue(runId, "sum")) as { size: number; sha256: string; machine: string };
    expect(remote).toEqual({ size, sha256: createHash("sha256").update(local).digest("hex"), machine: "beta" });
  });

  it("runs an edge's encode on the producer's machine and its decode on the consumer's", async () => {
    const outcome = await stack.client.execute(
      dagFile("edge", [
        { id: "p", fn: "std.constant", extraArgs: ["v"], placement: { kind: "pinned", machine: "gamma" } },
        {
          id: "c",
          fn: "std.identity",
          args: [{ from: "p", encode: { fn: "t.tag", args: ["enc"] }, decode: { fn: "t.tag", args: ["dec"] } }],
          placement: { kind: "pinned", machine: "beta" },
        },
      ]),
      { materialize: true },
    );
    expect(outcome.results["c"]).toBe("v|enc@gamma:gamma->beta|dec@beta:gamma->beta");
  });

  it("loads .ts and .mjs function modules from outside the repository and captures their logs", async () => {
    const { runId } = await stack.client.startRun(dagFile("typed", [{ id: "g", fn: "ts.greet", extraArgs: ["ada"], placement: { kind: "pinned", machine: "gamma" } }]));
    await stack.client.watchRun(runId, () => undefined);
    expect(await stack.client.getValue(runId, "g")).toBe("hello ada from gamma");
    const logs = await stack.client.trpc.runs.logs.query({ runId, taskId: "g" });
    expect(logs.logs.map((log) => log.message)).toContain("greeting ada");
  });

  it("times out getResult for an unknown task, naming it", async () => {
    await expect(stack.client.getResult("no-such-run", "ghost", { timeoutMs: 200 })).rejects.toThrow(/ghost.*within 200 ms/);
  });

  it("rejects a malformed DAG file with the field path, and persists nothing", async () => {
    const before = (await stack.client.listRuns({ limit: 200 })).items.length;
    const bad = { format: "handoff.dag", version: 1, name: "bad", tasks: [{ id: "a", fn: "t.double", cost: { cpu: "two" } }] };
    const error = await stack.client.trpc.runs.start.mutate({ dag: { file: bad as never } }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/tasks.*0.*cost.*cpu/s);
    expect((await stack.client.listRuns({ limit: 200 })).items.length).toBe(before);
  });

  it("refuses calls without a token (401) or with the wrong kind (403)", async () => {
    const anonymous = await fetch(`${stack.url}/api/trpc/machines.list`);
    expect(anonymous.status).toBe(401);
    const joinClient = createClient({ url: stack.url, token: await stack.joinToken() });
    await expect(joinClient.discoverMachines()).rejects.toMatchObject({ code: "FORBIDDEN" });
    const wrong = createClient({ url: stack.url, token: "hf_admin_not-a-real-token" });
    await expect(wrong.discoverMachines()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect((await fetch(`${stack.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
  });

  it("answers an oversized request with too_large, and keeps serving", async () => {
    // 2 MiB is over the 1 MiB limit of this route (DAG routes take 16 MiB: tests/cluster/src/limits.test.ts).
    const response = await fetch(`${stack.url}/api/trpc/tokens.create`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ pad: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain("too_large");
    expect((await stack.client.discoverMachines()).length).toBe(3);
  });

  it("reports evictions: past its disk budget an agent drops the oldest finished run's value, and the API says evicted at once", async () => {
    await stack.startAgent({ name: "tiny", capacity: { cpu: 1, slots: 1 }, functions, extraArgs: ["--memory-budget-mb", "1", "--disk-budget-mb", "1"] });
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await stack.client.execute(dagFile(`evict-${i}`, [{ id: "blob", fn: "std.bytes", extraArgs: [700_000, i], placement: { kind: "pinned", machine: "tiny" } }]));
      expect(outcome.status).toBe("succeeded");
      runIds.push(outcome.runId);
    }
    const [first, , last] = runIds as [string, string, string];
    await expect.poll(async () => (await stack.client.getRun(first)).tasks[0]?.reason, { timeout: 10_000 }).toMatch(/evicted from "tiny" \(disk budget full\)/);
    await expect(stack.client.getValue(first, "blob")).rejects.toThrow(/evicted/);
    await expect(stack.client.getResult(first, "blob")).rejects.toThrow(/evicted/);
    expect(((await stack.client.getValue(last, "blob")) as Uint8Array).byteLength).toBe(700_000);
    await stack.killAgent("tiny");
  });

  it("recomputes a finished producer from lineage when its machine dies before the consumer ran", async () => {
    await stack.startAgent({ name: "victim", capacity: { cpu: 64, slots: 6 }, functions });
    const { runId } = await stack.client.startRun(
      dagFile("lineage", [
        { id: "p", fn: "t.where", extraArgs: ["produced"], cost: { cpu: 1 } },
        { id: "gate", fn: "t.slow", extraArgs: [4000, "open"], placement: { kind: "pinned", machine: "beta" } },
        { id: "q", fn: "t.where", args: ["p", "gate"], placement: { kind: "pinned", machine: "gamma" } },
      ]),
      { strategy: "load_balanced" },
    );
    await expect.poll(async () => (await stack.client.getRun(runId)).tasks.find((t) => t.taskId === "p")?.state, { timeout: 20_000 }).toBe("succeeded");
    expect((await stack.client.getRun(runId)).tasks.find((t) => t.taskId === "p")?.machine).toBe("victim");
    await stack.killAgent("victim");
    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("succeeded");
    const rerun = outcome?.allocations["p"];
    expect(rerun).not.toBe("victim");
    expect(await stack.client.getValue(runId, "q")).toEqual({
      machine: "gamma",
      args: [{ machine: rerun, args: ["produced"] }, { machine: "beta", value: "open" }],
    });
    const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "p" });
    expect(attempts.map((attempt) => [attempt.machine, attempt.state])).toEqual([
      ["victim", "succeeded"],
      [rerun, "succeeded"],
    ]);
  });

  it("reruns an attempt elsewhere when its machine is killed mid-attempt", async () => {
    await stack.startAgent({ name: "doomed", capacity: { cpu: 8, slots: 8 }, functions });
    const { runId } = await stack.client.startRun(dagFile("machine-lost", [{ id: "s", fn: "t.slow", extraArgs: [3000, "done"], placement: { kind: "auto" }, cost: { cpu: 8 } }]));
    await expect.poll(async () => (await stack.client.getRun(runId)).tasks[0]?.machine, { timeout: 20_000 }).toBe("doomed");
    // Only "doomed" can hold cpu 8; give the retry a place to go.
    await stack.client.registerMachine("beta", { cpu: 8, slots: 4, gpu: 1 });
    await stack.killAgent("doomed");
    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("succeeded");
    const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "s" });
    expect(attempts.map((attempt) => [attempt.machine, attempt.state, attempt.error?.kind ?? null])).toEqual([
      ["doomed", "failed", "machine_lost"],
      ["beta", "succeeded", null],
    ]);
  });
});
