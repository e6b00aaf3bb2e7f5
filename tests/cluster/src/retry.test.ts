import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";
import { dagFile, tempFile } from "./fixtures.ts";

// Issue 11 §5: errors a retry cannot fix stop at once, across the agent's worker-thread boundary.
const dir = mkdtempSync(path.join(tmpdir(), "handoff-retry-"));
const module = path.join(dir, "retry-functions.mjs");
writeFileSync(
  module,
  `import { appendFileSync } from "node:fs";
import { defineFunction, NonRetryableError } from "@handoff/sdk";

export const refuse = defineFunction({
  name: "t.refuse",
  description: "Counts its calls in a file, then throws: NonRetryableError when strict, a plain TypeError otherwise",
  run: (file, message, strict) => {
    appendFileSync(file, "call\\n");
    throw strict ? new NonRetryableError(message) : new TypeError(message);
  },
});
`,
);
let stack: Stack;

const calls = (file: string): number => (existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0);

beforeAll(async () => {
  stack = await startStack({ localMachine: "alpha", agents: [{ name: "alpha", capacity: { cpu: 2, slots: 2 }, functions: [module] }] });
});

afterAll(async () => {
  await stack?.stop();
});

describe("errors that retrying cannot fix, on a real agent", () => {
  it("makes exactly one attempt when a function throws NonRetryableError, and the run fails with its message", async () => {
    const file = tempFile("refuse");
    const { runId } = await stack.client.startRun(
      dagFile("non-retryable", [{ id: "r", fn: "t.refuse", extraArgs: [file, "the input names no such table", true], maxRetries: 3, retryBackoff: { initialMs: 0 } }]),
    );
    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("failed");
    expect(outcome?.failures).toEqual([
      { taskId: "r", kind: "non_retryable", attempts: 1, message: 'task "r" (t.refuse) failed after 1 attempt: the input names no such table' },
    ]);
    const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "r" });
    expect(attempts.map((attempt) => [attempt.state, attempt.error?.kind])).toEqual([["failed", "non_retryable"]]);
    expect(calls(file)).toBe(1);
  });

  it("does not retry std.sum given a string", async () => {
    const { runId } = await stack.client.startRun(
      dagFile("bad-sum", [
        { id: "words", fn: "std.constant", extraArgs: ["not numbers"] },
        { id: "total", fn: "std.sum", args: ["words"], maxRetries: 3, retryBackoff: { initialMs: 0 } },
      ]),
    );
    const outcome = await stack.client.watchRun(runId, () => undefined);
    expect(outcome?.status).toBe("failed");
    expect(outcome?.failures).toEqual([expect.objectContaining({ taskId: "total", kind: "non_retryable", attempts: 1 })]);
    expect(outcome?.failures[0]?.message).toContain("std.sum: argument 1 contains a string");
    const attempts = await stack.client.trpc.runs.attempts.query({ runId, taskId: "total" });
    expect(attempts).toHaveLength(1);
  });

  it("retries a plain TypeError by default, and not when retryOn leaves function_failed out", async () => {
    const retried = tempFile("retried");
    const limited = tempFile("limited");
    const outcome = await stack.client.execute(
      dagFile("retry-on", [
        { id: "plain", fn: "t.refuse", extraArgs: [retried, "x is not iterable", false], maxRetries: 2, retryBackoff: { initialMs: 0 } },
        { id: "limited", fn: "t.refuse", extraArgs: [limited, "x is not iterable", false], maxRetries: 2, retryOn: ["timeout"], retryBackoff: { initialMs: 0 } },
      ]),
      { onFailure: "continue" },
    );
    expect(outcome.status).toBe("failed");
    expect(outcome.failures.map((f) => [f.taskId, f.kind, f.attempts]).sort()).toEqual([
      ["limited", "function_failed", 1],
      ["plain", "function_failed", 3],
    ]);
    expect([calls(retried), calls(limited)]).toEqual([3, 1]);
  });
});
