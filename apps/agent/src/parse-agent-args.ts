import { existsSync } from "node:fs";
import { extname, resolve } from "node:path";
import { boundProblem, Bounds } from "@handoff/core";
import { MAX_AHEAD_DEPTH, parseServerUrls } from "@handoff/protocol";
import { MODULE_EXTENSIONS } from "./functions/load-modules.ts";
import { MAX_SIMULATED_MACHINES } from "./simulate-machines.ts";

/** What `handoff-agent` (and `handoff agent`) accept, checked; paths resolved against the working directory. */
export type AgentArgs = {
  readonly serverUrl: string;
  /** Replicas: every server URL in order (the first is `serverUrl`); the agent moves to the next when one stops answering. */
  readonly serverUrls?: readonly string[];
  /** A join token from `HANDOFF_JOIN_TOKEN` (never from the command line). Needed only for the first join. */
  readonly token?: string;
  /** A file holding the join token (mode 0600), read at start. */
  readonly tokenFile?: string;
  readonly name?: string;
  readonly capacity?: Record<string, number>;
  readonly functions: string[];
  readonly dataDir?: string;
  readonly memoryBudgetMb?: number;
  readonly diskBudgetMb?: number;
  readonly retentionMs?: number;
  readonly resultHost?: string;
  readonly resultPort?: number;
  /** Load the function bundles the server ships (`--fetch-functions` or `HANDOFF_FETCH_FUNCTIONS=1`); off by default. */
  readonly fetchFunctions?: boolean;
  /** Simulate this many machines in one process (standard library only, named `NAME-1`…; NAME defaults to `sim`). */
  readonly simulate?: number;
  /** Attempts taken beyond the free slots (`--ahead`; default: as many as the slots). */
  readonly aheadDepth?: number;
  /** False with `--no-pre-assign`: the server assigns nothing here before its inputs exist. */
  readonly preAssign?: boolean;
};

export type AgentArgsError = { readonly flag: string; readonly message: string };

export type ParsedAgentArgs = { readonly ok: true; readonly args: AgentArgs } | { readonly ok: true; readonly help: true } | { readonly ok: false; readonly error: AgentArgsError };

export const AGENT_USAGE = `usage: HANDOFF_JOIN_TOKEN=TOKEN handoff-agent --server URL [options]

  --server URL[,URL...]     the Handoff server (http:// or https://); replicas: several, comma-separated
                            (or HANDOFF_SERVER_URLS), tried in turn until one answers
  --token-file PATH         a file (mode 0600) holding the join token, instead of HANDOFF_JOIN_TOKEN
                            (a join token is needed only for the first join: the machine's identity key is
                            its credential afterwards; tokens never go on the command line)
  --name NAME               this machine's name (default: the hostname)
  --capacity k=v,...        resources, e.g. cpu=8,memory=16000,gpu=1 (cpu, memory in MB are detected when absent; slots default to the whole cpu)
  --functions FILE...       function modules (.ts, .mts, .mjs, .js) besides the standard library
  --fetch-functions         load the function bundles the server ships for a run (HANDOFF_FETCH_FUNCTIONS=1):
                            code any admin pushed runs here with this agent's rights; off by default
  --data-dir DIR            the machine's identity key and spilled results (HANDOFF_AGENT_DATA_DIR;
                            default $XDG_DATA_HOME/handoff/agent/NAME or ~/.local/share/handoff/agent/NAME)
  --memory-budget-mb N      results kept in memory before spilling (default a quarter of the machine's memory, 256 MiB–64 GiB)
  --disk-budget-mb N        results kept on disk before the oldest are evicted (default 10240)
  --retention-minutes N     how long results of finished runs are kept (default 1440)
  --result-host HOST        host the result server binds (default: the local address of the connection to the server)
  --result-port PORT        port of the result server (default: any free port)
  --ahead N                 attempts queued here beyond the free slots, started as slots free (0 to ${MAX_AHEAD_DEPTH};
                            default: the slots; at most the slots are used; 0 takes only what fits now)
  --no-pre-assign           take no dependent before its input exists (by default, with --ahead above 0, a task
                            whose producer runs here may be assigned here at once and start when its value lands)
  --simulate N              run N simulated machines in this process (1 to ${MAX_SIMULATED_MACHINES}), for load tests:
                            real connections, identities and result servers; the standard library only,
                            called on the process's thread; named NAME-1…NAME-N (--name, default sim), each
                            with its identity in DIR/NAME-i (--data-dir)
  --help                    this text`;

const FLAGS = new Set(["--server", "--token", "--token-file", "--name", "--capacity", "--functions", "--data-dir", "--memory-budget-mb", "--disk-budget-mb", "--retention-minutes", "--result-host", "--result-port", "--simulate", "--fetch-functions", "--ahead", "--no-pre-assign", "--help"]);
/** Replicas: the most server URLs an agent takes (`--server a,b,…`). */
const RESOURCE_KEY = /^[A-Za-z_][\w.-]{0,99}$/;

/**
 * Parses `handoff-agent` arguments; every problem names the flag. `--flag value` and `--flag=value` both work;
 * `--functions` takes every following argument up to the next flag, and may be repeated.
 * The join token comes from `env.HANDOFF_JOIN_TOKEN` or `--token-file`; `--token` is refused with where to put it.
 * @example parseAgentArgs(["--server", "http://s:3000", "--capacity", "gpu=1"], cwd, { HANDOFF_JOIN_TOKEN: "t" })
 */
export function parseAgentArgs(argv: readonly string[], cwd: string = process.cwd(), env: Readonly<Record<string, string | undefined>> = {}): ParsedAgentArgs {
  const values = new Map<string, string>();
  const functions: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (!FLAGS.has(flag)) {
      return fail(flag.startsWith("--") ? flag : arg, flag.startsWith("--") ? "unknown flag" : `unexpected argument ${JSON.stringify(arg)} (flags start with --)`);
    }
    if (flag === "--help") return { ok: true, help: true };
    if (flag === "--fetch-functions" || flag === "--no-pre-assign") {
      if (eq !== -1) return fail(flag, "takes no value");
      values.set(flag, "yes");
      continue;
    }
    if (flag === "--token") {
      return fail(flag, "tokens never go on the command line (ps shows them to every local user): set HANDOFF_JOIN_TOKEN in the agent's environment, or use --token-file PATH (mode 0600)");
    }
    if (flag === "--functions") {
      const given = eq === -1 ? [] : [arg.slice(eq + 1)];
      while (eq === -1 && i + 1 < argv.length && !(argv[i + 1] as string).startsWith("--")) given.push(argv[++i] as string);
      if (given.length === 0 || given.some((file) => file === "")) return fail(flag, "needs at least one file");
      functions.push(...given);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith("--")) value = argv[++i];
    if (value === undefined || value === "") return fail(flag, "needs a value");
    if (values.has(flag)) return fail(flag, "is given twice");
    values.set(flag, value);
  }

  const serverList = values.get("--server") ?? (env["HANDOFF_SERVER_URLS"] === "" ? undefined : env["HANDOFF_SERVER_URLS"]);
  if (serverList === undefined) return fail("--server", "is required (the server's URL, e.g. http://server:3000; replicas: several, comma-separated, or HANDOFF_SERVER_URLS)");
  const parsedServers = parseServerUrls(serverList);
  if (!parsedServers.ok) return fail("--server", parsedServers.message);
  const servers = parsedServers.urls;
  const server = servers[0];

  const token = env["HANDOFF_JOIN_TOKEN"] === "" ? undefined : env["HANDOFF_JOIN_TOKEN"];
  const tokenFileText = values.get("--token-file");
  if (tokenFileText !== undefined && token !== undefined) return fail("--token-file", "HANDOFF_JOIN_TOKEN is set too: give the join token one way");

  const name = values.get("--name");
  if (name !== undefined && name.length > 200) return fail("--name", "must have at most 200 characters");

  let capacity: Record<string, number> | undefined;
  const capacityText = values.get("--capacity");
  if (capacityText !== undefined) {
    const parsed = parseCapacity(capacityText);
    if (typeof parsed === "string") return fail("--capacity", parsed);
    capacity = parsed;
  }

  const files: string[] = [];
  for (const file of functions) {
    const path = resolve(cwd, file);
    if (!(MODULE_EXTENSIONS as readonly string[]).includes(extname(path))) {
      return fail("--functions", `${file} has extension "${extname(path)}"; expected one of ${MODULE_EXTENSIONS.join(", ")}`);
    }
    if (!existsSync(path)) return fail("--functions", `${file} does not exist (looked at ${path})`);
    files.push(path);
  }

  let memoryBudgetMb: number | undefined;
  const budget = values.get("--memory-budget-mb");
  if (budget !== undefined) {
    memoryBudgetMb = Number(budget);
    const problem = megabytesProblem(budget);
    if (problem !== null) return fail("--memory-budget-mb", problem);
  }

  let diskBudgetMb: number | undefined;
  const disk = values.get("--disk-budget-mb");
  if (disk !== undefined) {
    diskBudgetMb = Number(disk);
    const problem = megabytesProblem(disk);
    if (problem !== null) return fail("--disk-budget-mb", problem);
  }

  let retentionMs: number | undefined;
  const retention = values.get("--retention-minutes");
  if (retention !== undefined) {
    const minutes = Number(retention);
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > MAX_RETENTION_MINUTES) {
      return fail("--retention-minutes", `must be a number of minutes above 0 and ≤ ${MAX_RETENTION_MINUTES} (1 year), got ${JSON.stringify(retention)}`);
    }
    retentionMs = minutes * 60_000;
  }

  let resultPort: number | undefined;
  const port = values.get("--result-port");
  if (port !== undefined) {
    resultPort = Number(port);
    if (!/^\d+$/.test(port) || resultPort > 65_535) return fail("--result-port", `must be a port number from 0 to 65535, got ${JSON.stringify(port)}`);
  }

  const fetchEnv = env["HANDOFF_FETCH_FUNCTIONS"];
  if (fetchEnv !== undefined && fetchEnv !== "" && fetchEnv !== "0" && fetchEnv !== "1") return fail("HANDOFF_FETCH_FUNCTIONS", `must be 1 or 0, got ${JSON.stringify(fetchEnv)}`);
  const fetchFunctions = values.has("--fetch-functions") || fetchEnv === "1";

  let simulate: number | undefined;
  const simulateText = values.get("--simulate");
  if (simulateText !== undefined) {
    simulate = Number(simulateText);
    if (!/^\d+$/.test(simulateText) || simulate < 1 || simulate > MAX_SIMULATED_MACHINES) return fail("--simulate", `must be a whole number of machines from 1 to ${MAX_SIMULATED_MACHINES}, got ${JSON.stringify(simulateText)}`);
    if (files.length > 0) return fail("--simulate", "simulated machines offer the standard library only: drop --functions");
    if (fetchFunctions) return fail("--simulate", "simulated machines offer the standard library only: drop --fetch-functions");
    if (port !== undefined) return fail("--simulate", "each simulated machine takes a free port of its own: drop --result-port");
  }

  let aheadDepth: number | undefined;
  const aheadText = values.get("--ahead");
  if (aheadText !== undefined) {
    aheadDepth = Number(aheadText);
    if (!/^\d+$/.test(aheadText) || aheadDepth > MAX_AHEAD_DEPTH) return fail("--ahead", `must be a whole number of attempts from 0 to ${MAX_AHEAD_DEPTH}, got ${JSON.stringify(aheadText)}`);
  }

  const dataDir = values.get("--data-dir") ?? (env["HANDOFF_AGENT_DATA_DIR"] === "" ? undefined : env["HANDOFF_AGENT_DATA_DIR"]);
  const resultHost = values.get("--result-host");
  return {
    ok: true,
    args: {
      serverUrl: server,
      ...(servers.length > 1 ? { serverUrls: servers } : {}),
      ...(token === undefined ? {} : { token }),
      ...(tokenFileText === undefined ? {} : { tokenFile: resolve(cwd, tokenFileText) }),
      functions: files,
      ...(name === undefined ? {} : { name }),
      ...(capacity === undefined ? {} : { capacity }),
      ...(dataDir === undefined ? {} : { dataDir: resolve(cwd, dataDir) }),
      ...(memoryBudgetMb === undefined ? {} : { memoryBudgetMb }),
      ...(diskBudgetMb === undefined ? {} : { diskBudgetMb }),
      ...(retentionMs === undefined ? {} : { retentionMs }),
      ...(resultHost === undefined ? {} : { resultHost }),
      ...(resultPort === undefined ? {} : { resultPort }),
      ...(simulate === undefined ? {} : { simulate }),
      ...(fetchFunctions ? { fetchFunctions } : {}),
      ...(aheadDepth === undefined ? {} : { aheadDepth }),
      ...(values.has("--no-pre-assign") ? { preAssign: false } : {}),
    },
  };
}

function parseCapacity(text: string): Record<string, number> | string {
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq === -1) return `${JSON.stringify(part)} is not key=value (e.g. cpu=8,memory=16000,gpu=1)`;
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    if (!RESOURCE_KEY.test(key)) return `${JSON.stringify(key)} is not a resource name (letters, digits, _ . -)`;
    if (key in out) return `${key} is given twice`;
    const value = Number(raw);
    const problem = boundProblem(Bounds.capacity, raw === "" || !Number.isFinite(value) ? raw : value);
    if (problem !== null) return `${key} ${problem}`;
    if (key === "slots" && (!Number.isInteger(value) || value < 1)) return `slots must be a whole number ≥ 1, got ${JSON.stringify(raw)}`;
    out[key] = value;
  }
  return out;
}

const MAX_RETENTION_MINUTES = 525_600;

/** A budget in MB: above 0 and within core's capacity bound (a budget of 1e308 MB was shown as such). */
function megabytesProblem(text: string): string | null {
  const value = Number(text);
  if (text !== "" && value > 0 && boundProblem(Bounds.capacity, value) === null) return null;
  return `must be a number of megabytes above 0 and ≤ ${Bounds.capacity.maxText}, got ${JSON.stringify(text)}`;
}

function fail(flag: string, message: string): ParsedAgentArgs {
  return { ok: false, error: { flag, message } };
}
