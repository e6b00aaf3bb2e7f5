import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type HandoffClient } from "@handoff/sdk";
import { agentEntry } from "../commands/start.ts";

export { exampleFunctionModules } from "../commands/start.ts";

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

export interface StackOptions {
  readonly agents?: readonly AgentSpec[];
  /** Default: a fresh SQLite file in the stack's temp folder. */
  readonly databaseUrl?: string;
  /** Mount the built dashboard (apps/web must be built). */
  readonly web?: boolean;
  /** Extra environment for the server (HANDOFF_MACHINE_TIMEOUT_MS…). */
  readonly serverEnv?: Readonly<Record<string, string>>;
  /** Name of the machine the server treats as local. */
  readonly localMachine?: string;
  /** Print the processes' output (debugging). */
  readonly verbose?: boolean;
  /** Receives everything the server process prints (stdout and stderr). */
  readonly serverOutput?: (chunk: string) => void;
}

export interface Stack {
  readonly url: string;
  readonly adminToken: string;
  readonly dataDir: string;
  readonly client: HandoffClient;
  readonly agents: ReadonlyMap<string, ChildProcess>;
  /** A fresh join token each call. */
  joinToken(): Promise<string>;
  startAgent(spec: AgentSpec): Promise<ChildProcess>;
  /**
   * Starts an agent process without waiting for it to come online, and without taking the name's place in `agents`
   * (an impostor, a second copy): the caller ends it; `stop()` kills it too.
   */
  launchAgent(spec: AgentSpec, options?: { readonly output?: (chunk: string) => void }): Promise<ChildProcess>;
  /** Kills an agent's process (SIGKILL by default) and waits for it to exit. */
  killAgent(name: string, signal?: NodeJS.Signals): Promise<void>;
  /** Kills the server process and starts it again on the same database and port. */
  restartServer(): Promise<void>;
  /** Kills the server process (SIGKILL) without starting it again; `restartServer` brings it back. */
  killServer(): Promise<void>;
  waitForMachines(names: readonly string[], status?: "online" | "offline"): Promise<void>;
  stop(): Promise<void>;
}

const cliMain = fileURLToPath(new URL("../main.ts", import.meta.url));

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

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
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

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * The real stack for tests and benchmarks: a server process and agent processes on loopback, talking
 * over real sockets to a real database. Nothing is simulated.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const require = createRequire(import.meta.url);
  const tsx = require.resolve("tsx");
  const dataDir = mkdtempSync(path.join(tmpdir(), "handoff-stack-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const stdio = options.verbose ? "inherit" : "ignore";
  const agents = new Map<string, ChildProcess>();
  let server: ChildProcess | undefined;

  const launchServer = async (): Promise<void> => {
    server = spawn(
      process.execPath,
      ["--import", tsx, cliMain, "start", "--no-agent", ...(options.web ? [] : ["--no-web"]), "--port", String(port), "--data-dir", dataDir],
      {
        stdio: ["ignore", options.serverOutput ? "pipe" : stdio, options.verbose ? "inherit" : "pipe"],
        env: {
          ...process.env,
          HANDOFF_LOG_LEVEL: options.verbose ? "info" : "warn",
          HANDOFF_LOCAL_MACHINE: options.localMachine ?? options.agents?.[0]?.name ?? "local",
          ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : { DATABASE_URL: `file:${path.join(dataDir, "handoff.db")}` }),
          ...options.serverEnv,
        },
      },
    );
    let stderr = "";
    server.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-4000);
      options.serverOutput?.(chunk.toString("utf8"));
    });
    server.stdout?.on("data", (chunk: Buffer) => options.serverOutput?.(chunk.toString("utf8")));
    const started = server;
    await until("the server's /healthz", async () => {
      if (started.exitCode !== null) throw new Error(`server exited with ${started.exitCode}: ${stderr}`);
      const response = await fetch(`${url}/healthz`);
      return response.ok ? true : undefined;
    });
  };

  await launchServer();
  const adminToken = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
  const client = createClient({ url, token: adminToken });

  const joinToken = async (): Promise<string> => (await client.trpc.tokens.create.mutate({ name: `test agent ${Date.now()}`, kind: "join" })).token;

  const waitForMachines = async (names: readonly string[], status: "online" | "offline" = "online"): Promise<void> => {
    await until(`machines ${names.join(", ")} to be ${status}`, async () => {
      const machines = await client.discoverMachines();
      return names.every((name) => machines.some((machine) => machine.name === name && machine.status === status)) ? true : undefined;
    });
  };

  const launched: ChildProcess[] = [];
  const spawnAgentProcess = async (spec: AgentSpec, output?: (chunk: string) => void): Promise<ChildProcess> => {
    const token = spec.joinToken === undefined ? await joinToken() : spec.joinToken;
    const capacity = spec.capacity
      ? ["--capacity", Object.entries(spec.capacity).map(([key, amount]) => `${key}=${amount}`).join(",")]
      : [];
    const { HANDOFF_JOIN_TOKEN: _inherited, ...env } = process.env;
    const child = spawn(
      process.execPath,
      [
        "--import",
        tsx,
        agentEntry(),
        "--server",
        url,
        "--name",
        spec.name,
        "--data-dir",
        spec.dataDir ?? path.join(dataDir, "agents", spec.name),
        ...capacity,
        ...(spec.functions ?? []).flatMap((file) => ["--functions", file]),
        ...(spec.extraArgs ?? []),
      ],
      {
        stdio: ["ignore", output ? "pipe" : stdio, output ? "pipe" : stdio],
        // The join token travels in the environment, never on the command line.
        env: { ...env, ...(token === null ? {} : { HANDOFF_JOIN_TOKEN: token }), ...spec.env },
      },
    );
    if (output) {
      child.stdout?.on("data", (chunk: Buffer) => output(chunk.toString("utf8")));
      child.stderr?.on("data", (chunk: Buffer) => output(chunk.toString("utf8")));
    }
    return child;
  };

  const startAgent = async (spec: AgentSpec): Promise<ChildProcess> => {
    const child = await spawnAgentProcess(spec);
    agents.set(spec.name, child);
    await waitForMachines([spec.name]);
    return child;
  };

  try {
    for (const spec of options.agents ?? []) await startAgent(spec);
  } catch (error) {
    for (const child of agents.values()) child.kill("SIGKILL");
    server?.kill("SIGKILL");
    throw error;
  }

  async function killServer(): Promise<void> {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill("SIGKILL");
      await exited(server);
    }
  }

  return {
    url,
    adminToken,
    dataDir,
    client,
    agents,
    joinToken,
    startAgent,
    async launchAgent(spec, launchOptions) {
      const child = await spawnAgentProcess(spec, launchOptions?.output);
      launched.push(child);
      return child;
    },
    waitForMachines,
    async killAgent(name, signal = "SIGKILL") {
      const child = agents.get(name);
      if (!child) throw new Error(`no agent "${name}" in this stack`);
      child.kill(signal);
      await exited(child);
      agents.delete(name);
    },
    async restartServer() {
      await killServer();
      await launchServer();
    },
    killServer,
    async stop() {
      const all = [...agents.values(), ...launched, ...(server ? [server] : [])];
      for (const child of all) child.kill("SIGTERM");
      await Promise.race([Promise.all(all.map(exited)), new Promise((resolve) => setTimeout(resolve, 5000))]);
      for (const child of all) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
