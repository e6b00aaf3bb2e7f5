import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { HandoffApiError, toApiError } from "@handoff/sdk";
import { agentEntry } from "./agent-entry.ts";
import { HelpRequest, UsageError } from "./args.ts";

/**
 * Each command's module, loaded when it is the one asked for: `handoff schedules list` should not load the server,
 * Prisma and esbuild first (through tsx that cost ~4 s of CPU for every command).
 */
const COMMANDS: Readonly<Record<string, () => Promise<(argv: readonly string[]) => number | Promise<number>>>> = {
  run: async () => (await import("./commands/run.ts")).run,
  machines: async () => (await import("./commands/admin.ts")).machines,
  tokens: async () => (await import("./commands/admin.ts")).tokens,
  secrets: async () => (await import("./commands/secrets.ts")).secrets,
  schedules: async () => (await import("./commands/schedules.ts")).schedules,
  webhooks: async () => (await import("./commands/webhooks.ts")).webhooks,
  functions: async () => (await import("./commands/functions.ts")).functions,
  results: async () => (await import("./commands/results.ts")).results,
  runs: async () => (await import("./commands/runs.ts")).runs,
  dag: async () => (await import("./commands/dag.ts")).dag,
};

const usage = `handoff <command>
  start      the whole system on its embedded default (server, dashboard, local agent)
  agent      run an agent on this machine: HANDOFF_JOIN_TOKEN=TOKEN handoff agent --server URL [...]
  run        run a DAG file with live progress: handoff run dag.json
  machines   list machines, capacity and load; drain | undrain | forget NAME; address NAME HOST
  tokens     list | create | revoke tokens
  secrets    list | set NAME (value from stdin or a 0600 file) | delete NAME: named secrets tasks refer to
  schedules  list DAG | add DAG --cron EXPR [--tz ZONE] | set | delete | history ID: runs fired by cron
  webhooks   list DAG | add DAG NAME | enable | disable | delete | history ID: URLs that start runs
  functions  push FILE.ts (bundled here, stored by hash) | bundle | list | versions: functions shipped to agents
  results    recompute RUN TASK: bring a lost value back from lineage
  runs       rerun RUN [--from failed | --from-task T ...]: run again, reusing results where they are
  dag        export DAG.json as TypeScript SDK code; import DAG.ts back (parsed, never run)
Every command answers --help.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start": {
      const { start } = await import("./commands/start.ts");
      await start(rest);
      return -1; // keeps running
    }
    case "agent": {
      const require = createRequire(import.meta.url);
      return spawnSync(process.execPath, ["--import", require.resolve("tsx"), agentEntry(), ...rest], { stdio: "inherit" }).status ?? 1;
    }
    case undefined:
    case "help":
    case "--help":
      console.log(usage);
      return command === undefined ? 2 : 0;
    default: {
      const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
      if (load === undefined) throw new UsageError(`unknown command "${command}"\n\n${usage}`);
      return (await load())(rest);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (thrown: unknown) => {
    // Commands that call the API's procedures directly (`client.trpc…`) throw tRPC's error: read as the API's.
    const error = toApiError(thrown);
    if (error instanceof HelpRequest) {
      console.log(error.message);
      process.exit(0);
    }
    // The server's ConfigError (from `start`), known by name so that other commands never load the server.
    if (error instanceof UsageError || (error instanceof Error && error.name === "ConfigError")) {
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
