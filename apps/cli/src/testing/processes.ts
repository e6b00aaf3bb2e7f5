import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { HandoffClient } from "@handoff/sdk";
import { ensureAgentBundleSync } from "@handoff/server";
import { agentEntry } from "../commands/start.ts";

/** The server and agent processes of the test stacks (`start-stack.ts`, `start-replicas.ts`): spawned one way. */

const cliMain = fileURLToPath(new URL("../main.ts", import.meta.url));
const tsx = (): string => createRequire(import.meta.url).resolve("tsx");

export interface AgentSpec {
  readonly name: string;
  /** e.g. `{ cpu: 2, memory: 2000, slots: 2 }` */
  readonly capacity?: Readonly<Record<string, number>>;
  /** Function modules (.ts / .mjs), absolute paths. */
  readonly functions?: readonly string[];
  readonly extraArgs?: readonly string[];
  /** The agent's data dir (its identity key): default `<stack dir>/agents/<name>`, the same at every start. */
  readonly dataDir?: string;
  /** The join token in its environment: default a fresh one; `null` starts it with none (its identity must be known). */
  readonly joinToken?: string | null;
  /** Extra environment for the agent. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A TCP port free on 127.0.0.1 right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ""}`);
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export interface ServerProcessOptions {
  /** How errors name it ("the server", "server 1"). */
  readonly label: string;
  readonly port: number;
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string>>;
  /** Mount the built dashboard. */
  readonly web?: boolean;
  readonly verbose?: boolean;
  /** Receives everything the process prints (stdout and stderr). */
  readonly output?: (chunk: string) => void;
}

/** `handoff start --no-agent` on `port`, resolved once its `/healthz` answers (rejected with its stderr if it exits). */
export async function spawnServer(options: ServerProcessOptions): Promise<ChildProcess> {
  const { verbose, output } = options;
  const child = spawn(process.execPath, ["--import", tsx(), cliMain, "start", "--no-agent", ...(options.web ? [] : ["--no-web"]), "--port", String(options.port), "--data-dir", options.dataDir], {
    stdio: ["ignore", output ? "pipe" : verbose ? "inherit" : "ignore", verbose ? "inherit" : "pipe"],
    env: { ...process.env, HANDOFF_LOG_LEVEL: verbose ? "info" : "warn", ...options.env },
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-4000);
    output?.(chunk.toString("utf8"));
  });
  child.stdout?.on("data", (chunk: Buffer) => output?.(chunk.toString("utf8")));
  try {
    await until(`${options.label}'s /healthz`, async () => {
      if (child.exitCode !== null) throw new Error(`${options.label} exited with ${child.exitCode}: ${stderr}`);
      const response = await fetch(`http://127.0.0.1:${options.port}/healthz`);
      return response.ok ? true : undefined;
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return child;
}

/**
 * How a test stack runs an agent: the single-file bundle under plain `node`, as users install it (built first when
 * older than its sources), or from source through tsx with `HANDOFF_TEST_AGENT=source` (what `handoff start` runs).
 * The bundle starts with a third of the CPU (no TypeScript loader in the agent or its workers).
 */
function agentCommand(): string[] {
  if (process.env.HANDOFF_TEST_AGENT === "source") return ["--import", tsx(), agentEntry()];
  agentBundle ??= ensureAgentBundleSync();
  return [agentBundle];
}
let agentBundle: string | undefined;

/** An agent process given `servers` (every URL, in order), its data dir under `stackDir` unless the spec names one. */
export function spawnAgent(spec: AgentSpec, options: { readonly servers: readonly string[]; readonly stackDir: string; readonly token: string | null; readonly verbose?: boolean; readonly output?: (chunk: string) => void }): ChildProcess {
  const { output } = options;
  const stdio = output ? "pipe" : options.verbose ? "inherit" : "ignore";
  const capacity = spec.capacity ? ["--capacity", Object.entries(spec.capacity).map(([key, amount]) => `${key}=${amount}`).join(",")] : [];
  const { HANDOFF_JOIN_TOKEN: _inherited, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [
      ...agentCommand(),
      "--server",
      options.servers.join(","),
      "--name",
      spec.name,
      "--data-dir",
      spec.dataDir ?? path.join(options.stackDir, "agents", spec.name),
      ...capacity,
      ...(spec.functions ?? []).flatMap((file) => ["--functions", file]),
      ...(spec.extraArgs ?? []),
    ],
    // The join token travels in the environment, never on the command line.
    { stdio: ["ignore", stdio, stdio], env: { ...env, ...(options.token === null ? {} : { HANDOFF_JOIN_TOKEN: options.token }), ...spec.env } },
  );
  if (output) {
    child.stdout?.on("data", (chunk: Buffer) => output(chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => output(chunk.toString("utf8")));
  }
  return child;
}

/** Waits until every named machine has `status` in the server's machine list. */
export async function waitForMachines(client: HandoffClient, names: readonly string[], status: "online" | "offline" = "online"): Promise<void> {
  await until(`machines ${names.join(", ")} to be ${status}`, async () => {
    const machines = await client.discoverMachines();
    return names.every((name) => machines.some((machine) => machine.name === name && machine.status === status)) ? true : undefined;
  });
}
