import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import path from "node:path";
import { loadConfig, startServer, type RunningServer, type WebHandler } from "@handoff/server";
import { intFlag, parseFlags } from "../args.ts";
import { agentEntry } from "../agent-entry.ts";
import { repoRoot, resolveDataDir } from "../data-dir.ts";

const usage = `handoff start [--port 4400] [--host 127.0.0.1] [--data-dir REPO/.handoff] [--database-url URL]
              [--name MACHINE] [--no-agent] [--no-web] [--functions FILE ...]
Starts the whole system on its embedded default: the server (SQLite unless --database-url / DATABASE_URL
names PostgreSQL), the dashboard when apps/web is built, and one local agent.`;

export { agentEntry } from "../agent-entry.ts";

/** The function modules of the examples (examples/*.dag.json): what the local agent loads when no --functions is given. */
export function exampleFunctionModules(): string[] {
  return ["pipeline.ts", "showcase.ts"].map((file) => path.join(repoRoot, "examples/src", file));
}

/**
 * Starts a local agent as its own process (a crashing function can never take the server down). A join token goes in
 * its environment (`HANDOFF_JOIN_TOKEN`), never in its arguments.
 */
export function spawnAgent(args: readonly string[], options: { quiet?: boolean; joinToken?: string } = {}): ChildProcess {
  const require = createRequire(import.meta.url);
  // The agent's functions could read its environment: the server's secrets keys never go there.
  const { HANDOFF_JOIN_TOKEN: _inherited, HANDOFF_SECRETS_KEY: _secretsKey, HANDOFF_SECRETS_PREVIOUS_KEYS: _previousKeys, ...env } = process.env;
  return spawn(process.execPath, ["--import", require.resolve("tsx"), agentEntry(), ...args], {
    stdio: options.quiet ? ["ignore", "ignore", "inherit"] : ["ignore", "inherit", "inherit"],
    env: options.joinToken === undefined ? env : { ...env, HANDOFF_JOIN_TOKEN: options.joinToken },
  });
}

/**
 * The local agent's join: its identity key lives in `<server data dir>/agent` and survives restarts, so a join token
 * is minted only while the server does not know that key for the machine yet — and revoked once the agent has joined
 * (revoking a join token never disconnects an admitted machine). Old tokens do not pile up.
 */
async function localAgentJoin(server: RunningServer, machine: string, agentDataDir: string): Promise<{ token?: string; joined: () => void }> {
  // Imported here: the whole agent package would slow every other `handoff` command's start.
  const { loadMachineIdentity } = await import("@handoff/agent");
  const { publicKey } = loadMachineIdentity(agentDataDir);
  if (server.machinePublicKey(machine) === publicKey) return { joined: () => undefined };
  const { id, token } = await server.tokens.create(`local agent ${machine} (first join)`, "join", "handoff start");
  const revoke = (): void => void server.tokens.revoke(id).catch(() => undefined);
  const poll = setInterval(() => {
    if (server.machinePublicKey(machine) !== publicKey) return;
    clearInterval(poll);
    revoke();
  }, 200);
  poll.unref();
  return {
    token,
    joined: () => {
      clearInterval(poll);
      revoke();
    },
  };
}

/** Mounts the built dashboard (Next.js) in this process, when apps/web has been built. */
export async function loadWeb(): Promise<WebHandler | undefined> {
  const dir = path.join(repoRoot, "apps/web");
  if (!existsSync(path.join(dir, ".next", "BUILD_ID"))) return undefined;
  const require = createRequire(path.join(dir, "package.json"));
  const nextModule = (await import(require.resolve("next"))) as { default: (options: { dev: boolean; dir: string }) => NextApp };
  const app = nextModule.default({ dev: false, dir });
  await app.prepare();
  const handler = app.getRequestHandler();
  return (request, response) => handler(request, response);
}

interface NextApp {
  prepare(): Promise<void>;
  getRequestHandler(): (request: unknown, response: unknown) => Promise<void>;
}

export async function start(argv: readonly string[]): Promise<void> {
  const { values } = parseFlags(
    argv,
    {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      name: { type: "string" },
      "no-agent": { type: "boolean" },
      "no-web": { type: "boolean" },
      functions: { type: "string", multiple: true },
    },
    usage,
  );
  const port = intFlag(values.port, "port", 0, 65_535);
  const machine = values.name ?? (hostname() || "local");
  const config = loadConfig({
    ...process.env,
    ...(port === undefined ? {} : { HANDOFF_PORT: String(port) }),
    ...(values.host ? { HANDOFF_HOST: values.host } : {}),
    HANDOFF_DATA_DIR: resolveDataDir(values["data-dir"]),
    ...(values["database-url"] ? { DATABASE_URL: values["database-url"] } : {}),
    HANDOFF_LOCAL_MACHINE: process.env["HANDOFF_LOCAL_MACHINE"] ?? machine,
    HANDOFF_LOG_LEVEL: process.env["HANDOFF_LOG_LEVEL"] ?? "warn",
  });
  const web = values["no-web"] ? undefined : await loadWeb();
  const server: RunningServer = await startServer({ config, ...(web ? { web } : {}) });
  let agent: ChildProcess | undefined;
  let localJoin: { joined: () => void } | undefined;
  if (!values["no-agent"]) {
    const agentDataDir = path.join(config.dataDir, "agent");
    const join = await localAgentJoin(server, machine, agentDataDir);
    localJoin = join;
    const functions = values.functions ?? exampleFunctionModules();
    agent = spawnAgent(["--server", server.url, "--name", machine, "--data-dir", agentDataDir, ...functions.flatMap((file) => ["--functions", path.resolve(file)])], {
      ...(join.token === undefined ? {} : { joinToken: join.token }),
    });
    agent.once("exit", (code) => {
      if (code !== 0 && code !== null) console.error(`the local agent exited with code ${code}`);
    });
  }
  const admin = server.bootstrapAdminToken;
  const signInLink = await server.signInLink();
  console.log(`
  Handoff is running on ${server.databaseProvider === "sqlite" ? "SQLite" : "PostgreSQL"}
  open      ${server.url}${web ? "" : "   (dashboard not built: npx -y pnpm@10.34.9 --filter @handoff/web build)"}
  sign in   ${signInLink ? `${signInLink}   (one-time link, valid 10 minutes)` : "with an admin or user token (the bootstrap admin token was revoked)"}
  token     ${admin ?? "-"}   (also in ${path.join(config.dataDir, "admin-token")})
  agent     ${agent ? `"${machine}" (local, pid ${agent.pid ?? "?"})` : "none (--no-agent)"}
  run       npm run handoff -- run examples/word-count.dag.json
`);
  const stop = (): void => {
    localJoin?.joined();
    agent?.kill("SIGTERM");
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
