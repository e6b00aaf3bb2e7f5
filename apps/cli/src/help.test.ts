import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/handoff.mjs", import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", env: { ...process.env, HANDOFF_TOKEN: "" } });

describe("when a command is asked for --help", () => {
  // `run --help` once answered "Unknown option '--help'".
  for (const command of [["run"], ["start"], ["machines"], ["machines", "drain"], ["tokens"], ["tokens", "create"], ["agent"], ["schedules", "add"], ["webhooks"]]) {
    it(`prints the usage of "${command.join(" ")}" and exits 0`, () => {
      const result = cli(...command, "--help");
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^(usage: )?(HANDOFF_JOIN_TOKEN=\S+ )?handoff/);
    });
  }

  it("still refuses an unknown flag with the usage, exit 2", () => {
    const result = cli("run", "--nope");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--nope");
    expect(result.stderr).toContain("handoff run DAG.json");
  });
});
