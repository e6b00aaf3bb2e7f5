import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@handoff/cli/testing";

// Issue #10 §5 (umask 077) and issue #11 §4 (the printed sign-in link signs in), on a real `handoff start`.
const handoffBin = fileURLToPath(new URL("../../../apps/cli/bin/handoff.mjs", import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), "handoff-first-start-"));
const dataDir = path.join(root, "data");
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

/** Starts `handoff start` and answers what it printed once it is up, with a stop function. */
async function start(): Promise<{ output: string; url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [handoffBin, "start", "--no-agent", "--no-web", "--port", String(port), "--data-dir", dataDir], {
    env: { ...process.env, DATABASE_URL: `file:${path.join(dataDir, "handoff.db")}`, HANDOFF_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  await expect.poll(() => output.includes("run       npm run handoff") || child.exitCode !== null, { timeout: 90_000, interval: 100 }).toBe(true);
  expect(child.exitCode, output).toBeNull();
  return {
    output,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

const modeOf = (file: string): number => statSync(file).mode & 0o777;

describe("when `handoff start` runs", () => {
  it("prints a one-time sign-in link that signs in once, keeps no token in it, and keeps its files private (0700/0600)", async () => {
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    const first = await start();
    const link = /sign in\s+(\S+)/.exec(first.output)?.[1] ?? "";
    expect(link, first.output).toMatch(new RegExp(`^${first.url}/login\\?code=[A-Za-z0-9_-]+$`));
    expect(link).not.toMatch(/hf_admin_/);
    const code = new URL(link).searchParams.get("code");
    const login = () => fetch(`${first.url}/api/auth/login`, { method: "POST", headers: { origin: first.url, "content-type": "application/json" }, body: JSON.stringify({ code }) });
    const signedIn = await login();
    expect(signedIn.status).toBe(204);
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0]!;
    const me = await fetch(`${first.url}/api/trpc/auth.me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    expect((await login()).status).toBe(401);

    const db = path.join(dataDir, "handoff.db");
    expect(modeOf(dataDir)).toBe(0o700);
    for (const file of [db, `${db}-wal`, `${db}-shm`, path.join(dataDir, "admin-token")]) {
      if (existsSync(file)) expect(modeOf(file), file).toBe(0o600);
    }
    expect(existsSync(`${db}-wal`)).toBe(true);
    await first.stop();
    // SIGTERM to `handoff` (the bin wrapper) stops the server itself: none left answering behind an exited wrapper.
    await expect(fetch(`${first.url}/api/trpc/auth.me`)).rejects.toThrow();

    // A data dir left readable by an older version is made private again at the next start.
    chmodSync(dataDir, 0o755);
    chmodSync(db, 0o644);
    const second = await start();
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(db)).toBe(0o600);
    for (const file of [`${db}-wal`, `${db}-shm`]) if (existsSync(file)) expect(modeOf(file), file).toBe(0o600);
    await second.stop();
  });
});
