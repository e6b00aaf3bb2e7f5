import { existsSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, resolveDataDir } from "./data-dir.ts";

describe("when no data directory is named", () => {
  it("uses .handoff/ in the repository root, whatever the working directory (npm start once wrote the CLI package's own .handoff)", () => {
    expect(existsSync(path.join(repoRoot, "pnpm-workspace.yaml"))).toBe(true);
    expect(resolveDataDir(undefined, {})).toBe(path.join(repoRoot, ".handoff"));
  });
});

describe("when a data directory is named", () => {
  it("prefers the flag, then HANDOFF_DATA_DIR, and makes either absolute", () => {
    expect(resolveDataDir("/tmp/a", { HANDOFF_DATA_DIR: "/tmp/b" })).toBe("/tmp/a");
    expect(resolveDataDir(undefined, { HANDOFF_DATA_DIR: "/tmp/b" })).toBe("/tmp/b");
    expect(resolveDataDir("rel", {})).toBe(path.resolve("rel"));
  });
});
