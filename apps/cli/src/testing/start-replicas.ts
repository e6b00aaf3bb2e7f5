import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient, type HandoffClient } from "@handoff/sdk";
import { exited, freePort, spawnAgent, spawnServer, until, waitForMachines, type AgentSpec } from "./processes.ts";

export interface ReplicaAgentSpec extends Pick<AgentSpec, "name" | "capacity" | "functions"> {
  /** The servers it is given, by index (default every one, in order): `[1]` keeps it on server 1 alone. */
  readonly servers?: readonly number[];
  /** Receives everything the agent prints (stdout and stderr). */
  readonly output?: (chunk: string) => void;
}

export interface ReplicasOptions {
  /** PostgreSQL, shared by every replica. */
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** How many server processes (default 2); the first one started takes the leader lease. */
  readonly servers?: number;
  readonly agents?: readonly ReplicaAgentSpec[];
  readonly serverEnv?: Readonly<Record<string, string>>;
  readonly verbose?: boolean;
}

export interface Replicas {
  /** Every server's URL, in the order they started. */
  readonly urls: readonly string[];
  readonly adminToken: string;
  /** A client given every URL (it moves to another server when one stops answering or is a standby). */
  readonly client: HandoffClient;
  /** What `/healthz` says each live server is (`undefined` for a dead one). */
  roles(): Promise<("leader" | "standby" | undefined)[]>;
  /** Kills server `index` with SIGKILL and waits for it to exit. */
  killServer(index: number): Promise<void>;
  waitForMachines(names: readonly string[], status?: "online" | "offline"): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Several real server processes on one PostgreSQL and one Redis (issue #18), sharing a data dir (one admin token) and
 * one `HANDOFF_SECRETS_KEY`, and agent processes given every server's URL (or the ones their spec names). Server 0 starts alone and
 * takes the lease; the others start as standbys.
 */
export async function startReplicas(options: ReplicasOptions): Promise<Replicas> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "handoff-replicas-"));
  const ports = await Promise.all(Array.from({ length: options.servers ?? 2 }, () => freePort()));
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const servers: (ChildProcess | undefined)[] = [];
  const agents: ChildProcess[] = [];
  const verbose = options.verbose === undefined ? {} : { verbose: options.verbose };
  // Replicas share one secrets key (it seals what they exchange on Redis too); they refuse to make their own.
  const secretsKey = randomBytes(32).toString("hex");

  const health = async (url: string): Promise<{ role?: "leader" | "standby" } | undefined> => {
    const response = await fetch(`${url}/healthz`).catch(() => undefined);
    return response?.ok ? ((await response.json()) as { role?: "leader" | "standby" }) : undefined;
  };
  const launch = async (index: number): Promise<void> => {
    const env = { DATABASE_URL: options.databaseUrl, REDIS_URL: options.redisUrl, HANDOFF_SECRETS_KEY: secretsKey, ...options.serverEnv };
    servers[index] = await spawnServer({ label: `server ${index}`, port: ports[index] ?? 0, dataDir, env, ...verbose });
  };

  try {
    await launch(0);
    await until("server 0 to lead", async () => ((await health(urls[0] as string))?.role === "leader" ? true : undefined));
    for (let index = 1; index < urls.length; index++) await launch(index);
  } catch (error) {
    for (const child of servers) child?.kill("SIGKILL");
    throw error;
  }
  const adminToken = readFileSync(path.join(dataDir, "admin-token"), "utf8").trim();
  const [first = "", ...others] = urls;
  const client = createClient({ url: first, urls: [first, ...others], token: adminToken });

  for (const spec of options.agents ?? []) {
    const token = (await client.trpc.tokens.create.mutate({ name: `replica test agent ${spec.name}`, kind: "join" })).token;
    const given = spec.servers?.map((index) => urls[index] ?? `(no server ${index})`) ?? urls;
    agents.push(spawnAgent(spec, { servers: given, stackDir: dataDir, token, ...verbose, ...(spec.output === undefined ? {} : { output: spec.output }) }));
  }
  await waitForMachines(client, (options.agents ?? []).map((spec) => spec.name));

  return {
    urls,
    adminToken,
    client,
    roles: () => Promise.all(urls.map(async (url, index) => (servers[index]?.exitCode === null && servers[index]?.signalCode === null ? (await health(url))?.role : undefined))),
    async killServer(index) {
      const child = servers[index];
      if (!child) throw new Error(`no server ${index}`);
      child.kill("SIGKILL");
      await exited(child);
    },
    waitForMachines: (names, status) => waitForMachines(client, names, status),
    async stop() {
      const all = [...agents, ...servers.filter((child): child is ChildProcess => child !== undefined)];
      for (const child of all) child.kill("SIGTERM");
      await Promise.race([Promise.all(all.map(exited)), new Promise((resolve) => setTimeout(resolve, 5000))]);
      for (const child of all) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
