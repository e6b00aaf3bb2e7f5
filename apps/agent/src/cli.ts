import { pathToFileURL } from "node:url";
import { startAgent } from "./agent.ts";
import { FunctionModuleError } from "./executor/executor.ts";
import { readTokenFile } from "./identity/agent-data-dir.ts";
import { AGENT_USAGE, parseAgentArgs } from "./parse-agent-args.ts";

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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void runAgentCli(process.argv.slice(2));
}
