import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { HandoffApiError } from "@handoff/sdk";
import { dagFile } from "./fixtures.ts";

/** A module offering `demo.pair` with the given named inputs: two agents load different versions of it. */
function pairModule(label: string, names: readonly string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), `handoff-pair-${label}-`)), "pair.mjs");
  writeFileSync(
    file,
    `import { defineFunction } from "@handoff/sdk";
export const pair = defineFunction({ name: "demo.pair", inputs: { kind: "named", names: ${JSON.stringify(names)} }, run: (...xs) => xs });
`,
  );
  return file;
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    agents: [
      { name: "alpha", capacity: { slots: 2 }, functions: [pairModule("new", ["left", "right"])] },
      { name: "beta", capacity: { slots: 2 }, functions: [pairModule("old", ["both"])] },
    ],
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function rejection(promise: Promise<unknown>): Promise<HandoffApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HandoffApiError);
  return error as HandoffApiError;
}

describe("runs.start checks each call against its function's signature before anything runs", () => {
  it("refuses std.constant without its value and a function given the wrong number of inputs, naming task and field", async () => {
    const error = await rejection(
      stack.client.startRun(
        dagFile("bad-calls", [
          { id: "empty", fn: "std.constant" },
          { id: "one", fn: "std.constant", extraArgs: [1] },
          { id: "twice", fn: "std.identity", args: ["one", "one"] },
        ]),
      ),
    );
    expect(error.problems).toEqual([
      { kind: "invalid_task", taskId: "empty", field: "extraArgs", message: 'task "empty": std.constant\'s extra args: needs at least 1 item, got 0' },
      { kind: "invalid_task", taskId: "twice", field: "args", message: 'task "twice": std.identity takes 1 input (value), got 2' },
    ]);
    expect((await stack.client.listRuns({ limit: 50 })).items.filter((run) => run.dagName === "bad-calls")).toEqual([]);
  });

  it("says which machine's code disagrees when two machines offer different code under one name", async () => {
    const error = await rejection(
      stack.client.startRun(dagFile("disagree", [{ id: "one", fn: "std.constant", extraArgs: [1] }, { id: "p", fn: "demo.pair", args: ["one", "one"] }])),
    );
    expect(error.problems).toEqual([
      {
        kind: "invalid_task",
        taskId: "p",
        field: "args",
        message: 'task "p": demo.pair takes 1 input (both), got 2 (the code on machine "beta" disagrees with the other machines offering demo.pair; machine "alpha" accepts it)',
      },
    ]);
  });

  it("runs the same call pinned to the machine whose code accepts it", async () => {
    const outcome = await stack.client.execute(
      dagFile("agree", [
        { id: "one", fn: "std.constant", extraArgs: [1] },
        { id: "p", fn: "demo.pair", args: ["one", "one"], placement: { kind: "pinned", machine: "alpha" } },
      ]),
      { materialize: true },
    );
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["p"]).toEqual([1, 1]);
  });
});
