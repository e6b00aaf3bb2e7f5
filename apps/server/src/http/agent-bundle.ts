import { spawn, spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The single-file agent (apps/agent's `scripts/bundle.mjs` builds it): where it lives, whether it is older than its
 * sources, building it. The server serves it at `/install/agent.mjs` (install.ts); the test stacks run it as their
 * agents (`ensureAgentBundleSync`), so the cluster tests run the agent as users install it.
 */
export interface AgentBundleFiles {
  readonly bundleFile: string;
  /** Every source file the bundle was built from, relative to the agent package (written by the build). */
  readonly inputsFile: string;
  readonly script: string;
}

/** apps/agent beside this server. */
export const defaultAgentDir = (): string => fileURLToPath(new URL("../../../agent/", import.meta.url));

export function agentBundleFiles(agentDir: string = defaultAgentDir()): AgentBundleFiles {
  return {
    bundleFile: path.join(agentDir, "dist", "handoff-agent.mjs"),
    inputsFile: path.join(agentDir, "dist", "handoff-agent.inputs.json"),
    script: path.join(agentDir, "scripts", "bundle.mjs"),
  };
}

/** The bundle's mtime when it exists and no input it was built from is newer (or gone); otherwise undefined. */
export function freshBundleMtime(bundleFile: string, inputsFile: string, agentDir: string): number | undefined {
  let bundleMtime: number;
  let inputs: unknown;
  try {
    bundleMtime = statSync(bundleFile).mtimeMs;
    inputs = (JSON.parse(readFileSync(inputsFile, "utf8")) as { inputs?: unknown }).inputs;
  } catch {
    return undefined;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return undefined;
  for (const input of inputs) {
    if (typeof input !== "string") return undefined;
    try {
      if (statSync(path.resolve(agentDir, input)).mtimeMs > bundleMtime) return undefined;
    } catch {
      return undefined;
    }
  }
  return bundleMtime;
}

/** Runs `node scripts/bundle.mjs` in the agent package; rejects with the end of its output when it fails. */
export function runBundleScript(script: string, cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd, stdio: ["ignore", "pipe", "pipe"], env: process.env });
    let output = "";
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${script} exited with ${code ?? signal}: ${output.trim()}`));
    });
  });
}

/**
 * The bundle's path, built first (synchronously, once per process at most) when it is missing or older than a source.
 * For test harnesses; the server builds asynchronously on the first request instead.
 */
export function ensureAgentBundleSync(agentDir: string = defaultAgentDir(), timeoutMs = 120_000): string {
  const { bundleFile, inputsFile, script } = agentBundleFiles(agentDir);
  if (freshBundleMtime(bundleFile, inputsFile, agentDir) !== undefined) return bundleFile;
  const built = spawnSync(process.execPath, [script], { cwd: agentDir, encoding: "utf8", timeout: timeoutMs, env: process.env });
  if (built.status !== 0) throw new Error(`${script} exited with ${built.status ?? built.signal ?? built.error?.message}: ${`${built.stdout}${built.stderr}`.trim().slice(-4000)}`);
  return bundleFile;
}
