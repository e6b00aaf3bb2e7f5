import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile } from "./fixtures.ts";

// Issue #15: `execute(…, { materialize: true })` answers a small JSON value from its reference when the holder
// reported its preview as exact, instead of relaying it from the holder. These check it answers the same value the
// holder serves, that a preview which is not the value (bytes described, text cut) is never taken for it, and that
// a value whose holder is gone is still refused.
const dir = mkdtempSync(path.join(tmpdir(), "handoff-materialize-"));
const functions = path.join(dir, "materialize-functions.mjs");
writeFileSync(
  functions,
  `import { defineFunction } from "@handoff/sdk";
export const small = defineFunction({ name: "m.small", run: () => ({ a: [1, 2.5, -3], s: "é\\u2028\\"q\\"", n: null, t: true }) });
export const nested = defineFunction({ name: "m.nested", run: () => ({ img: new Uint8Array([1, 2, 3]), label: "x" }) });
export const dollar = defineFunction({ name: "m.dollar", run: () => ({ $bytes: "not base64", $escape: 1 }) });
export const long = defineFunction({ name: "m.long", run: () => "y".repeat(6000) });
export const nothing = defineFunction({ name: "m.nothing", run: () => undefined });
export const describedBytes = defineFunction({ name: "m.described", run: () => ["<3 bytes: 01 02 03>"] });
`,
);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    localMachine: "near",
    agents: [
      { name: "near", capacity: { cpu: 2, slots: 2 }, functions: [functions] },
      { name: "far", capacity: { cpu: 2, slots: 2 }, functions: [functions] },
    ],
  });
});

afterAll(async () => {
  await stack?.stop();
});

const tasks = (machine: string) =>
  ["small", "nested", "dollar", "long", "nothing", "described"].map((name) => ({ id: name, fn: `m.${name}`, placement: { kind: "pinned" as const, machine } }));

describe("materialized results", () => {
  it("are the values the holder serves, whether or not their preview was exact", async () => {
    const outcome = await stack.client.execute(dagFile("materialize", tasks("far")), { materialize: true });
    expect(outcome.status).toBe("succeeded");
    for (const id of ["small", "nested", "dollar", "long", "nothing", "described"]) {
      expect(outcome.materialized?.[id]).toEqual({ as: "value" });
      // The raw route always streams the value from its holder: the reference the comparison is made against.
      const held = await stack.client.getValue(outcome.runId, id);
      expect({ id, value: outcome.results[id] }).toEqual({ id, value: held });
    }
    expect(outcome.results["nested"]).toEqual({ img: { $bytes: "AQID" }, label: "x" });
    expect(outcome.results["long"]).toBe("y".repeat(6000));
    expect(outcome.results["described"]).toEqual(["<3 bytes: 01 02 03>"]);
    const reference = (taskId: string) => stack.client.trpc.results.get.query({ runId: outcome.runId, taskId });
    expect((await reference("small")).exact).toBe(true); // the case answered without a round trip
    expect((await reference("nested")).exact).toBeUndefined();
    expect((await reference("long")).exact).toBeUndefined();
  }, 120_000);

  it("are refused when their holder is gone, exact preview or not", async () => {
    const outcome = await stack.client.execute(dagFile("materialize-gone", tasks("far").slice(0, 1)));
    expect(outcome.status).toBe("succeeded");
    await stack.killAgent("far");
    await expect
      .poll(async () => (await stack.client.trpc.machines.list.query()).find((machine) => machine.name === "far")?.status, { timeout: 30_000 })
      .toBe("offline");
    const refusal = await stack.client.trpc.results.value.query({ runId: outcome.runId, taskId: "small" }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((refusal as { data?: { kind?: string } } | undefined)?.data?.kind).toBe("machine_offline");
  }, 120_000);
});
