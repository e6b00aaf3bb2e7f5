import { ConfigError } from "@handoff/server";
import { HandoffApiError } from "@handoff/sdk";
import { HelpRequest, UsageError } from "./args.ts";
import { machines, tokens } from "./commands/admin.ts";
import { dag } from "./commands/dag.ts";
import { results } from "./commands/results.ts";
import { run } from "./commands/run.ts";
import { runs } from "./commands/runs.ts";
import { secrets } from "./commands/secrets.ts";
import { agentEntry, start } from "./commands/start.ts";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const usage = `handoff <command>
  start      the whole system on its embedded default (server, dashboard, local agent)
  agent      run an agent on this machine: HANDOFF_JOIN_TOKEN=TOKEN handoff agent --server URL [...]
  run        run a DAG file with live progress: handoff run dag.json
  machines   list machines, capacity and load; drain | undrain | forget NAME; address NAME HOST
  tokens     list | create | revoke tokens
  secrets    list | set NAME (value from stdin or a 0600 file) | delete NAME: named secrets tasks refer to
  results    recompute RUN TASK: bring a lost value back from lineage
  runs       rerun RUN [--from failed | --from-task T ...]: run again, reusing results where they are
  dag        export DAG.json as TypeScript SDK code; import DAG.ts back (parsed, never run)
Every command answers --help.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      await start(rest);
      return -1; // keeps running
    case "agent": {
      const require = createRequire(import.meta.url);
      return spawnSync(process.execPath, ["--import", require.resolve("tsx"), agentEntry(), ...rest], { stdio: "inherit" }).status ?? 1;
    }
    case "run":
      return run(rest);
    case "machines":
      return machines(rest);
    case "tokens":
      return tokens(rest);
    case "secrets":
      return secrets(rest);
    case "results":
      return results(rest);
    case "runs":
      return runs(rest);
    case "dag":
      return dag(rest);
    case undefined:
    case "help":
    case "--help":
      console.log(usage);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"\n\n${usage}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof HelpRequest) {
      console.log(error.message);
      process.exit(0);
    }
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    if (error instanceof HandoffApiError) {
      console.error(`${error.kind}: ${error.message}`);
      process.exit(1);
    }
    console.error(error);
    process.exit(1);
  },
);
