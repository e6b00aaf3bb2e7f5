import { pathToFileURL } from "node:url";
import { startAgent } from "./agent.ts";
import { FunctionModuleError } from "./executor/executor.ts";
import { defaultAgentDataDir, readTokenFile } from "./identity/agent-data-dir.ts";
import { AGENT_USAGE, parseAgentArgs, type AgentArgs } from "./parse-agent-args.ts";
import { simulateMachines, type SimulatedMachines } from "./simulate-machines.ts";

/**
 * `handoff-agent`: parses flags (exit 2 on a bad one, naming it), starts the agent, stops it on SIGINT/SIGTERM (exit
 * 0). Exits 1 when the function modules cannot load or the server refuses the agent for good.
 */
export async function runAgentCli(argv: readonly string[]): Promise<void> {
  const parsed = parseAgentArgs(argv, process.cwd(), process.env);
  if (!parsed.ok) {
    process.stderr.write(`handoff-agent: ${parsed.error.flag}: ${parsed.error.message}\n(run handoff-agent --help for the flags)\n`);
    process.exit(2);
  }
  if ("help" in parsed) {
    process.stdout.write(`${AGENT_USAGE}\n`);
    return;
  }
  const { tokenFile, ...args } = parsed.args;
  delete process.env["HANDOFF_JOIN_TOKEN"]; // read once; the functions this agent runs need not see it
  let token = args.token;
  if (tokenFile !== undefined) {
    try {
      token = readTokenFile(tokenFile);
    } catch (error) {
      process.stderr.write(`handoff-agent: --token-file: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    }
  }
  if (args.simulate !== undefined) return await runSimulation({ ...args, simulate: args.simulate }, token);
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent({
      ...args,
      ...(token === undefined ? {} : { token }),
      onFatal: (error) => {
        process.stderr.write(`handoff-agent: stopping: ${error.message}\n`);
        process.exitCode = 1;
        // The agent stops itself; this only bounds how long a lingering handle may keep the process alive.
        setTimeout(() => process.exit(1), 5_000).unref();
      },
    });
  } catch (error) {
    const message = error instanceof FunctionModuleError ? error.message : `cannot start: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`handoff-agent: ${message}\n`);
    process.exit(1);
  }
  process.stdout.write(`handoff-agent: ${agent.name} started (results at ${agent.resultUrl}); connecting to ${args.serverUrl}\n`);
  let isShuttingDown = false;
  const shutdown = (signal: string): void => {
    isShuttingDown = true;
    process.stdout.write(`handoff-agent: ${signal}, stopping\n`);
    agent.stop().then(
      () => process.exit(process.exitCode ?? 0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => shutdown("SIGINT"));
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  agent.welcomed.catch(() => {
    if (isShuttingDown) return;
    void agent.stop().then(() => process.exit(process.exitCode ?? 1));
  });
}

/** `--simulate N`: N machines in this process until SIGINT/SIGTERM; exits 1 when the server refuses them. */
async function runSimulation(args: AgentArgs & { simulate: number }, token: string | undefined): Promise<void> {
  const prefix = args.name ?? "sim";
  const started = performance.now();
  let sim: SimulatedMachines;
  try {
    sim = await simulateMachines({
      serverUrl: args.serverUrl,
      ...(args.serverUrls === undefined ? {} : { serverUrls: args.serverUrls }),
      ...(token === undefined ? {} : { token }),
      count: args.simulate,
      prefix,
      ...(args.capacity === undefined ? {} : { capacity: args.capacity }),
      dataDir: args.dataDir ?? defaultAgentDataDir(prefix, process.env),
      ...(args.resultHost === undefined ? {} : { resultHost: args.resultHost }),
      log: (level, message) => {
        if (level !== "info") process.stderr.write(`${message}\n`);
      },
    });
  } catch (error) {
    process.stderr.write(`handoff-agent: cannot start the simulation: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const stop = (code: number) => () => void sim.stop().then(() => process.exit(code), () => process.exit(1));
  process.once("SIGINT", stop(0));
  process.once("SIGTERM", stop(0));
  try {
    await sim.welcomed;
  } catch (error) {
    process.stderr.write(`handoff-agent: stopping the simulation: ${error instanceof Error ? error.message : String(error)}\n`);
    stop(1)();
    return;
  }
  process.stdout.write(`handoff-agent: ${args.simulate} simulated machines (${prefix}-1…${prefix}-${args.simulate}) joined ${args.serverUrl} in ${Math.round(performance.now() - started)} ms\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runAgentCli(process.argv.slice(2));
}
