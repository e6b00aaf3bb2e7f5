import type { ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { copyMigratedSqlite } from "@handoff/db/testing";
import { createClient, type HandoffClient } from "@handoff/sdk";
import { exited, freePort, spawnAgent, spawnServer, waitForMachines, type AgentSpec } from "./processes.ts";

export { exampleFunctionModules } from "../commands/start.ts";
export { freePort, until, type AgentSpec } from "./processes.ts";
export { startReplicas, type Replicas, type ReplicasOptions } from "./start-replicas.ts";

/** The module of `e2e.gate` (gate-functions.ts), for a stack's agents: a task that ends when the test says so. */
export function gateFunctionModule(): string {
  return fileURLToPath(new URL("./gate-functions.ts", import.meta.url));
}

/** A gate file for `e2e.gate`: the task waits until `open()` creates it. */
export function gateFile(name: string): { readonly path: string; open(): void } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "handoff-gate-")), name);
  return { path: file, open: () => writeFileSync(file, "open") };
}

export interface StackOptions {
  readonly agents?: readonly AgentSpec[];
  /**
   * Default: a fresh SQLite file in the stack's temp folder, already migrated (a copy of the tests' template: the
   * server's own first migration is covered by the quickstart and install tests).
   */
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
  /**
   * A second server on another stack's database: its data dir's admin token is copied in first (the database has an
   * admin already, so this server would create none). Start both before any run: a starting server resumes runs.
   */
  readonly adminTokenFrom?: string;
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

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "handoff-stack-"));
  if (options.adminTokenFrom !== undefined) copyFileSync(path.join(options.adminTokenFrom, "admin-token"), path.join(dataDir, "admin-token"));
  if (options.databaseUrl === undefined) await copyMigratedSqlite(path.join(dataDir, "handoff.db"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const agents = new Map<string, ChildProcess>();
  let server: ChildProcess | undefined;

  const launchServer = async (): Promise<void> => {
    server = await spawnServer({
      label: "the server",
      port,
      dataDir,
      ...(options.web === undefined ? {} : { web: options.web }),
      ...(options.verbose === undefined ? {} : { verbose: options.verbose }),
      ...(options.serverOutput === undefined ? {} : { output: options.serverOutput }),
      env: {
        HANDOFF_LOCAL_MACHINE: options.localMachine ?? options.agents?.[0]?.name ?? "local",
        DATABASE_URL: options.databaseUrl ?? `file:${path.join(dataDir, "handoff.db")}`,
        ...options.serverEnv,
      },
    });
  };

  await launchServer();
  const adminToken = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
  const client = createClient({ url, token: adminToken });

  const joinToken = async (): Promise<string> => (await client.trpc.tokens.create.mutate({ name: `test agent ${Date.now()}`, kind: "join" })).token;

  const waitFor = (names: readonly string[], status?: "online" | "offline"): Promise<void> => waitForMachines(client, names, status);

  const launched: ChildProcess[] = [];
  const spawnAgentProcess = async (spec: AgentSpec, output?: (chunk: string) => void): Promise<ChildProcess> => {
    const token = spec.joinToken === undefined ? await joinToken() : spec.joinToken;
    return spawnAgent(spec, { servers: [url], stackDir: dataDir, token, ...(options.verbose === undefined ? {} : { verbose: options.verbose }), ...(output === undefined ? {} : { output }) });
  };

  const startAgent = async (spec: AgentSpec): Promise<ChildProcess> => {
    const child = await spawnAgentProcess(spec);
    agents.set(spec.name, child);
    await waitFor([spec.name]);
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
    waitForMachines: waitFor,
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
