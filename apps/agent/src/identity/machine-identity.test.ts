import { mkdtempSync, rmSync, statSync, chmodSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultAgentDataDir } from "./agent-data-dir.ts";
import { loadMachineIdentity } from "./machine-identity.ts";

const root = mkdtempSync(join(tmpdir(), "handoff-identity-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a machine's identity", () => {
  it("is created once in a private data dir (0700, key 0600) and read back the same at the next start", () => {
    const dir = join(root, "a", "deep", "agent");
    const first = loadMachineIdentity(dir);
    expect(first.isNew).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "identity.key")).mode & 0o777).toBe(0o600);
    const again = loadMachineIdentity(dir);
    expect(again).toMatchObject({ isNew: false, publicKey: first.publicKey });
  });

  it("refuses a data dir others can write to, and a key file others can read", () => {
    const open = join(root, "open");
    mkdirSync(open, { mode: 0o700 });
    chmodSync(open, 0o775);
    expect(() => loadMachineIdentity(open)).toThrow(/data dir .* has mode 775/);
    const leaky = join(root, "leaky");
    loadMachineIdentity(leaky);
    chmodSync(join(leaky, "identity.key"), 0o644);
    expect(() => loadMachineIdentity(leaky)).toThrow(/identity key .* has mode 644/);
  });

  it("lives under XDG_DATA_HOME or ~/.local/share by default, never the temp folder", () => {
    expect(defaultAgentDataDir("gpu 1", { XDG_DATA_HOME: "/data" }, "/home/ada")).toBe("/data/handoff/agent/gpu_1");
    expect(defaultAgentDataDir("gpu-1", {}, "/home/ada")).toBe("/home/ada/.local/share/handoff/agent/gpu-1");
  });
});
