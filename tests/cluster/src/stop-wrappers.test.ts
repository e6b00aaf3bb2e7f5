import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";

// `npm start` reaches the server through npm's and pnpm's `sh -c` script shells and our wrappers (scripts/bootstrap.mjs,
// scripts/start-system.mjs). Those shells die on SIGTERM without passing it on, so a supervisor's SIGTERM to the top
// once left the server running under init. The same shape in small: sh -c → wrapper (run-forwarding.mjs) → sh -c →
// a "server" that records a graceful stop.
const runForwarding = fileURLToPath(new URL("../../../scripts/run-forwarding.mjs", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "handoff-stop-wrappers-"));
const started: ChildProcess[] = [];

function writeScripts(name: string): { top: string; marker: string; pidFile: string } {
  const marker = path.join(dir, `${name}.stopped`);
  const pidFile = path.join(dir, `${name}.pid`);
  const server = path.join(dir, `${name}-server.mjs`);
  writeFileSync(
    server,
    `import { writeFileSync } from "node:fs";
writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));
const keepAlive = setInterval(() => undefined, 1000);
process.on("SIGTERM", () => { writeFileSync(${JSON.stringify(marker)}, "graceful"); clearInterval(keepAlive); });
`,
  );
  const wrapper = path.join(dir, `${name}-wrapper.mjs`);
  writeFileSync(
    wrapper,
    `import { runForwarding } from ${JSON.stringify(runForwarding)};
process.exit(await runForwarding("sh", ["-c", ${JSON.stringify(`${JSON.stringify(process.execPath)} ${JSON.stringify(server)}`)}], {}));
`,
  );
  return { top: `${JSON.stringify(process.execPath)} ${JSON.stringify(wrapper)}`, marker, pidFile };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterEach(() => {
  for (const child of started.splice(0)) if (child.pid !== undefined) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // the group has ended
    }
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("stopping `npm start` from the top", () => {
  it("a SIGTERM to the outer shell, which dies without passing it on, still stops the server gracefully", async () => {
    const { top, marker, pidFile } = writeScripts("orphaned");
    // `sh -c "<wrapper>; true"`: the trailing command keeps every sh from exec-ing its command, as npm's shells do not.
    const shell = spawn("sh", ["-c", `${top}; true`], { detached: true, stdio: "ignore" });
    started.push(shell);
    await waitFor("the server to start", () => existsSync(pidFile));
    const server = Number(readFileSync(pidFile, "utf8"));
    shell.kill("SIGTERM");
    await waitFor("the server to stop", () => !isAlive(server));
    expect(readFileSync(marker, "utf8")).toBe("graceful");
  });

  it("a SIGTERM to the wrapper reaches the server below its shell", async () => {
    const { top, marker, pidFile } = writeScripts("direct");
    const wrapper = spawn("sh", ["-c", `exec ${top}`], { detached: true, stdio: "ignore" });
    started.push(wrapper);
    await waitFor("the server to start", () => existsSync(pidFile));
    const server = Number(readFileSync(pidFile, "utf8"));
    const exited = new Promise<number | null>((resolve) => wrapper.once("exit", (code) => resolve(code)));
    wrapper.kill("SIGTERM");
    await waitFor("the server to stop", () => !isAlive(server));
    expect(readFileSync(marker, "utf8")).toBe("graceful");
    // The wrapper waited for its child and answers with its status: its shell, ended by the signal (128 + 15).
    expect(await exited).toBe(143);
  });
});
