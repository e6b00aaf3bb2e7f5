import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { Dag, edge, HandoffApiError, param, paramRef } from "@handoff/sdk";
import type { DagFile } from "@handoff/protocol";

// Run parameters through the real stack: a server, one agent process, the API, the SDK and the CLI.

const bin = fileURLToPath(new URL("../../../apps/cli/bin/handoff.mjs", import.meta.url));

/** n (integer ≥ 1, default 2) as an input and inside extraArgs; label (string, required) inside extraArgs. */
function sized(name: string): DagFile {
  return new Dag(name, { params: { n: { type: "integer", minimum: 1, default: 2, description: "how many" }, label: { type: "string" } } })
    .addTask({ id: "base", fn: "std.constant", extraArgs: [{ list: [paramRef("n"), 10], label: paramRef("label") }] })
    .addTask({ id: "sum", fn: "std.sum", args: [edge("base", { decode: { fn: "std.pick", args: ["list"] } }), param("n")] })
    .addTask({ id: "label", fn: "std.identity", args: [edge("base", { decode: { fn: "std.pick", args: ["label"] } })] })
    .toJSON();
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ agents: [{ name: "alpha", capacity: { slots: 2 } }] });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function runsOf(dagName: string) {
  return (await stack.client.listRuns({ limit: 200 })).items.filter((run) => run.dagName === dagName);
}

async function rejection(promise: Promise<unknown>): Promise<HandoffApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HandoffApiError);
  return error as HandoffApiError;
}

describe("a DAG with run parameters, through the API and the SDK", () => {
  it("runs with the given values and the defaults, records them, and shows them in the run view", async () => {
    const outcome = await stack.client.execute(sized("params-api"), { params: { label: "first" }, materialize: true });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["sum"]).toBe(2 + 10 + 2);
    expect(outcome.results["label"]).toBe("first");
    const view = await stack.client.getRun(outcome.runId);
    expect(view.params).toEqual({ n: 2, label: "first" });
  }, 60_000);

  it("refuses bad params before anything runs: each named with why, and no run written", async () => {
    const before = (await runsOf("params-refused")).length;
    const error = await rejection(stack.client.startRun(sized("params-refused"), { params: { n: 0, label: 7, extra: true } }));
    expect(error.kind).toBe("invalid_request");
    expect(error.message).toMatch(/param "extra": not declared \(DAG "params-refused" declares n, label\)/);
    expect(error.message).toMatch(/param "n": .*1/);
    expect(error.message).toMatch(/param "label": .*string/);
    expect((error.details as { issues?: { path: string }[] }).issues?.map((issue) => issue.path)).toEqual(["params.extra", "params.n", "params.label"]);
    const missing = await rejection(stack.client.startRun(sized("params-refused")));
    expect(missing.message).toBe('param "label": required (it has no default)');
    expect(await runsOf("params-refused")).toHaveLength(before);
  }, 60_000);

  it("re-runs with the same values unless changed", async () => {
    const first = await stack.client.execute(sized("params-rerun"), { params: { n: 3, label: "kept" } });
    expect(first.status).toBe("succeeded");
    const same = await stack.client.trpc.runs.rerun.mutate({ runId: first.runId });
    expect((await stack.client.watchRun(same.runId, () => undefined))?.status).toBe("succeeded");
    expect((await stack.client.getRun(same.runId)).params).toEqual({ n: 3, label: "kept" });
    expect(await stack.client.getValue(same.runId, "sum")).toBe(3 + 10 + 3);
    const changed = await stack.client.trpc.runs.rerun.mutate({ runId: first.runId, params: { n: 5 } });
    expect((await stack.client.watchRun(changed.runId, () => undefined))?.status).toBe("succeeded");
    expect((await stack.client.getRun(changed.runId)).params).toEqual({ n: 5, label: "kept" });
    expect(await stack.client.getValue(changed.runId, "sum")).toBe(5 + 10 + 5);
    const before = (await runsOf("params-rerun")).length;
    await expect(stack.client.trpc.runs.rerun.mutate({ runId: first.runId, params: { n: -1 } })).rejects.toThrow(/param "n"/);
    expect(await runsOf("params-rerun")).toHaveLength(before);
  }, 90_000);
});

describe("handoff run --param", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "handoff-params-"));
  // Not spawnSync: the server runs in this process and must keep answering while the CLI runs.
  const cli = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, "run", ...args, "--server", stack.url, "--token", stack.adminToken], { env: { ...process.env, HANDOFF_TOKEN: "" } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });

  it("types each value by its schema and runs with it", async () => {
    const file = path.join(dir, "cli.dag.json");
    writeFileSync(file, JSON.stringify(sized("params-cli")));
    const result = await cli(file, "--param", "n=4", "--param", "label=from the cli");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const [run] = await runsOf("params-cli");
    expect((await stack.client.getRun(run!.runId)).params).toEqual({ n: 4, label: "from the cli" });
    expect(await stack.client.getValue(run!.runId, "sum")).toBe(4 + 10 + 4);
  }, 120_000);

  it("names a bad one and starts nothing", async () => {
    const file = path.join(dir, "cli-bad.dag.json");
    writeFileSync(file, JSON.stringify(sized("params-cli-bad")));
    const notANumber = await cli(file, "--param", "n=three", "--param", "label=x");
    expect(notANumber.status).toBe(2);
    expect(notANumber.stderr).toMatch(/--param n=three: n is a number \(integer\), "three" is not one/);
    const undeclared = await cli(file, "--param", "size=3");
    expect(undeclared.stderr).toMatch(/--param size: the DAG declares no param "size" \(it declares n, label\)/);
    const outOfRange = await cli(file, "--param", "n=0", "--param", "label=x");
    expect(outOfRange.status).toBe(2);
    expect(outOfRange.stderr).toMatch(/param "n": /);
    expect(await runsOf("params-cli-bad")).toEqual([]);
  }, 120_000);
});
