import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile } from "./fixtures.ts";

let stack: Stack;
const MiB = 1024 * 1024;

beforeAll(async () => {
  stack = await startStack({ agents: [{ name: "solo", capacity: { cpu: 4, slots: 2 } }] });
});

afterAll(async () => {
  await stack?.stop();
});

describe("when a run's results are materialized", () => {
  // A 32 MiB intermediate value once turned a succeeded run into precondition_failed.
  it("returns values under the limit and a reference with its size for a larger one", async () => {
    const outcome = await stack.client.execute(
      dagFile("big-intermediate", [
        { id: "big", fn: "std.bytes", extraArgs: [32 * MiB, 7] },
        { id: "size", fn: "std.length", args: ["big"] },
      ]),
      { materialize: true },
    );
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["size"]).toBe(32 * MiB);
    expect(outcome.results["big"]).toMatchObject({ machine: "solo", size: 32 * MiB });
    expect(outcome.materialized?.["size"]).toEqual({ as: "value" });
    expect(outcome.materialized?.["big"]).toMatchObject({ as: "reference", size: 32 * MiB });
    expect(outcome.materialized?.["big"]?.as === "reference" && outcome.materialized["big"].reason).toMatch(/over the API limit/);
  });
});

describe("when the same idempotency key is used again", () => {
  it("answers every concurrent duplicate with the one run it started", async () => {
    const dag = dagFile("idempotent", [{ id: "a", fn: "std.constant", extraArgs: [1] }]);
    const countRuns = async () => (await stack.client.listRuns({ limit: 200 })).items.filter((r) => r.dagName === "idempotent").length;
    const started = await Promise.all(Array.from({ length: 12 }, () => stack.client.startRun(dag, { idempotencyKey: "nightly-2026-12-01" })));
    const ids = new Set(started.map((s) => s.runId));
    expect(ids.size).toBe(1);
    const again = await stack.client.startRun(dag, { idempotencyKey: "nightly-2026-12-01" });
    expect(again.runId).toBe(started[0]!.runId);
    const other = await stack.client.startRun(dag, { idempotencyKey: "nightly-2026-12-02" });
    expect(other.runId).not.toBe(started[0]!.runId);
    const unkeyed = await stack.client.startRun(dag);
    expect(unkeyed.runId).not.toBe(other.runId);
    expect(await countRuns()).toBe(3);
  });

  it("keeps keys apart per token", async () => {
    const { createClient } = await import("@handoff/sdk");
    const created = await stack.client.trpc.tokens.create.mutate({ name: "second caller", kind: "user" });
    const second = createClient({ url: stack.url, token: created.token });
    const dag = dagFile("idempotent-per-token", [{ id: "a", fn: "std.constant", extraArgs: [2] }]);
    const mine = await stack.client.startRun(dag, { idempotencyKey: "shared-key" });
    const theirs = await second.startRun(dag, { idempotencyKey: "shared-key" });
    expect(theirs.runId).not.toBe(mine.runId);
  });

  it("refuses a key that is empty, too long or has spaces, naming the field", async () => {
    const dag = dagFile("bad-key", [{ id: "a", fn: "std.constant", extraArgs: [1] }]);
    for (const key of ["", "x".repeat(201), "has space"]) {
      await expect(stack.client.startRun(dag, { idempotencyKey: key })).rejects.toThrow(/idempotencyKey/);
    }
  });
});

describe("when one client starts many runs at once", () => {
  // 300 concurrent startRun calls once became one batch over the body limit ("Unable to transform response").
  it("starts 1,000 concurrent runs of 100-task DAGs", async () => {
    const dag = (i: number) =>
      dagFile(`many-${i}`, [
        { id: "root", fn: "std.sleep", extraArgs: [600_000] },
        ...Array.from({ length: 99 }, (_, k) => ({ id: `t${k}`, fn: "std.identity", args: ["root"] })),
      ]);
    const started = await Promise.all(Array.from({ length: 1_000 }, (_, i) => stack.client.startRun(dag(i))));
    expect(new Set(started.map((s) => s.runId)).size).toBe(1_000);
    const cancelled = await Promise.all(started.map((s) => stack.client.cancelRun(s.runId)));
    expect(cancelled.every((c) => c.ok)).toBe(true);
  }, 900_000);
});
