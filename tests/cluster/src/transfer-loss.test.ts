import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { stdFunctions } from "@handoff/sdk";
import { dagFile, writeFunctionModules } from "./fixtures.ts";

// Issue #13: a holder killed in the middle of a transfer costs the consumer its attempt (`result_lost`), never a
// partial value: the attempt is retried once the value is back, and what arrives is checked by hash.
const modules = writeFunctionModules();
const MiB = 2 ** 20;
const size = 256 * MiB;
// Hashed before any connection exists: making and hashing 256 MiB blocks this process for seconds (more on a loaded
// machine), long enough for the server to close a pooled connection unseen, which the next request would then reuse.
const expected = createHash("sha256").update(stdFunctions.get("std.bytes")!.run(size, 3) as Uint8Array).digest("hex");
// b keeps at most 1 MiB in memory, so the fetched value goes to a file as it arrives (which the test watches).
const agent = (name: string, extraArgs: string[] = []) => ({ name, capacity: { cpu: 2, slots: 2 }, functions: [modules.mjs], extraArgs });

function filesIn(dir: string): { name: string; size: number }[] {
  try {
    return readdirSync(dir).map((name) => ({ name, size: statSync(path.join(dir, name)).size }));
  } catch {
    return [];
  }
}

describe("when the holder is SIGKILLed while a consumer fetches its 256 MiB value", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ agents: [agent("a"), agent("b", ["--memory-budget-mb", "1"])] });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("fails the consumer's attempt as result_lost, stores nothing partial, and retries it to an intact value", { timeout: 240_000 }, async () => {
    const consumerResults = path.join(stack.dataDir, "agents", "b", "results");
    const { runId } = await stack.client.startRun(
      dagFile("killed-holder", [
        { id: "blob", fn: "std.bytes", extraArgs: [size, 3], placement: { kind: "pinned", machine: "a" } },
        { id: "check", fn: "t.checksum", args: ["blob"], placement: { kind: "pinned", machine: "b" } },
      ]),
    );
    // The fetch has begun once b's file for the value has bytes in it.
    await expect.poll(() => filesIn(consumerResults).some((file) => file.size > 0), { timeout: 120_000, interval: 2 }).toBe(true);
    await stack.killAgent("a");
    const partial = filesIn(consumerResults);
    await stack.startAgent(agent("a"));
    await stack.waitForMachines(["a"]);

    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("succeeded");
    const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "check" });
    const kinds = attempts.map((attempt) => attempt.error?.kind ?? attempt.state);
    expect(kinds[0], `attempts: ${JSON.stringify(kinds)}; b's files when a was killed: ${JSON.stringify(partial)}`).toBe("result_lost");
    expect(attempts.at(-1)?.state).toBe("succeeded");

    expect(await stack.client.getValue(runId, "check")).toMatchObject({ size, sha256: expected, machine: "b" });
    // Only the complete value is kept: the file of the interrupted fetch is gone.
    expect(filesIn(consumerResults)).toEqual([{ name: expect.any(String) as string, size }]);
  });
});
