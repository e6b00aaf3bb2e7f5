#!/usr/bin/env node
// The two commands (`npm start`, `npm test`) on a machine that has only Node and npm:
// fetch the pinned pnpm through npx, install the workspace from the lockfile, then do the job.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { runForwarding } from "./run-forwarding.mjs";
import { formatSummary, summarizeReports } from "./test/summarize-reports.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const PNPM = ["-y", "pnpm@10.34.9"];
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  NEXT_TELEMETRY_DISABLED: "1",
  COREPACK_ENABLE_STRICT: "0",
};

/** Its exit status; a supervisor's SIGTERM to this process reaches it (see run-forwarding.mjs). */
function pnpm(args, extraEnv = {}, niceness = 0) {
  // `nice` (POSIX) lowers a lane's priority; where it does not exist the lane runs as it is.
  const [command, prefix] = niceness > 0 && process.platform !== "win32" ? ["nice", ["-n", String(niceness), "npx"]] : ["npx", []];
  return runForwarding(command, [...prefix, ...PNPM, ...args], { cwd: root, env: { ...env, ...extraEnv } });
}

function must(status, what) {
  if (status !== 0) {
    // 130, 143, 129: ended by Ctrl-C, SIGTERM or SIGHUP (stopped, not failed).
    console.error(status === 130 || status === 143 || status === 129 ? `\n${what}: stopped (exit ${status})` : `\n✖ ${what} failed (exit ${status})`);
    process.exit(status);
  }
}

const [command = "test", ...rest] = process.argv.slice(2);
must(await pnpm(["install", "--frozen-lockfile", "--reporter=append-only"], { CI: "true" }), "pnpm install");

switch (command) {
  case "test":
    await runTests();
    break;
  case "start":
    must(await pnpm(["run", "-w", "start:system", ...rest]), "start");
    break;
  case "bench":
    must(await pnpm(["run", "-w", "bench:all", ...rest]), "bench");
    break;
  default:
    console.error(`unknown command "${command}": expected start, test or bench`);
    process.exit(2);
}

// Every suite writes a JSON report into one folder; the sum is the last line, whatever failed.
// The cluster suite (real processes, one file at a time: the longest by far) starts first, beside turbo's run of
// everything else: inside turbo it waited ~8 minutes for a slot behind every other package's tasks.
async function runTests() {
  const reportDir = path.join(root, "test-results", "reports");
  rmSync(reportDir, { recursive: true, force: true });
  mkdirSync(reportDir, { recursive: true });
  const startedMs = Date.now();
  must(await pnpm(["--filter", "@handoff/db", "run", "codegen"]), "codegen");
  const cluster = startClusterLane(reportDir);
  // The cluster lane is the critical path (~1,900 s on CI's 2 cores, ~200 s of it alone after turbo's ~1,700 s):
  // turbo's lane yields the CPU to it (nice 5) so that both end nearer together.
  const status = await pnpm(["run", "-w", "test:all", "--summarize", ...rest], { HANDOFF_TEST_REPORT_DIR: reportDir }, 5);
  const clusterStatus = await cluster;
  const summary = summarizeReports(reportDir, newestTurboSummary(startedMs));
  for (const problem of summary.problems) console.error(`✖ ${problem}`);
  if (status !== 0) console.error(`✖ tests failed (exit ${status})`);
  if (clusterStatus !== 0) console.error(`✖ the cluster tests failed (exit ${clusterStatus}; their output is above)`);
  const anyFailed = status !== 0 || clusterStatus !== 0;
  if (anyFailed && summary.failed === 0) {
    summary.failed = 1;
    console.error("✖ a suite failed without a failed test on record (see its output above)");
  }
  console.log(formatSummary(summary));
  process.exit(!anyFailed && summary.failed === 0 ? 0 : status || clusterStatus || 1);
}

/** `tests/cluster` in its own process, its output kept in a file and shown once turbo's is done (all of it if it failed); resolves with its exit status. */
function startClusterLane(reportDir) {
  const logFile = path.join(root, "test-results", "cluster-tests.log");
  const fd = openSync(logFile, "w");
  const child = spawn("npx", [...PNPM, "--filter", "@handoff/cluster-tests", "run", "test:cluster"], {
    cwd: root,
    stdio: ["ignore", fd, fd],
    env: { ...env, HANDOFF_TEST_REPORT_DIR: reportDir },
  });
  closeSync(fd);
  return once(child, "exit").then(([code, signal]) => {
    const status = code ?? (signal ? 1 : 0);
    const output = readFileSync(logFile, "utf8");
    const lines = output.trimEnd().split("\n");
    console.log(`\n── tests/cluster (${logFile})${status === 0 ? ", its last lines" : ""}:`);
    console.log(status === 0 ? lines.slice(-8).join("\n") : output);
    return status;
  }, (error) => {
    console.error(`✖ the cluster tests could not start: ${error.message}`);
    return 1;
  });
}

function newestTurboSummary(sinceMs) {
  const dir = path.join(root, ".turbo", "runs");
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).map((n) => path.join(dir, n)).filter((f) => f.endsWith(".json") && statSync(f).mtimeMs >= sinceMs);
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}
