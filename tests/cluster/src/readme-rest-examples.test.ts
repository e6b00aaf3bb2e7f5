import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "@handoff/cli/testing";

// Issue 17 §4: the README's curl and Python examples, exactly as written there, against a started stack.
const run = promisify(execFile);
const readme = readFileSync(fileURLToPath(new URL("../../../README.md", import.meta.url)), "utf8");
let stack: Stack;

/** The fenced block that follows `<!-- rest-example:NAME … -->` in the README. */
function example(name: string): string {
  const match = new RegExp(`<!-- rest-example:${name}\\b[^>]*-->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no rest-example:${name} block`);
  return match[1]!;
}

beforeAll(async () => {
  // An agent with no module of its own: the examples use the standard library every agent offers.
  stack = await startStack({ agents: [{ name: "alpha", capacity: { cpu: 2, slots: 2 }, functions: [] }] });
});
afterAll(async () => {
  await stack?.stop();
});

const env = () => ({ ...process.env, HANDOFF_URL: stack.url, HANDOFF_TOKEN: stack.adminToken });

describe("the README's REST examples", () => {
  it("curl starts a run, waits for it and reads its result", async () => {
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", example("curl")], { env: env(), timeout: 120_000 });
    const [waited, value] = stdout.trim().split("\n").map((line) => JSON.parse(line) as unknown);
    expect(waited).toMatchObject({ finished: true, run: { status: "succeeded", dagName: "curl-sum" } });
    expect(value).toMatchObject({ value: 42, machine: "alpha" });
  });

  it("Python with only its standard library does the same", async () => {
    const { stdout } = await run("/usr/bin/python3", ["-I", "-c", example("python")], { env: env(), timeout: 120_000 });
    expect(stdout.trim()).toBe("succeeded 42");
  });

  it("the Python example says why when the token is refused", async () => {
    const failed = await run("/usr/bin/python3", ["-I", "-c", example("python")], { env: { ...env(), HANDOFF_TOKEN: "hf_user_wrong" }, timeout: 120_000 }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain("POST /api/runs: 401");
  });
});
