#!/usr/bin/env node
// The two commands (`npm start`, `npm test`) on a machine that has only Node and npm:
// fetch the pinned pnpm through npx, install the workspace from the lockfile, then do the job.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { formatSummary, summarizeReports } from "./test/summarize-reports.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const PNPM = ["-y", "pnpm@10.34.9"];
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: "1",
  NEXT_TELEMETRY_DISABLED: "1",
  COREPACK_ENABLE_STRICT: "0",
};

function pnpm(args, extraEnv = {}) {
  const result = spawnSync("npx", [...PNPM, ...args], {
    cwd: root,
    stdio: "inherit",
    env: { ...env, ...extraEnv },
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function must(status, what) {
  if (status !== 0) {
    console.error(`\n✖ ${what} failed (exit ${status})`);
    process.exit(status);
  }
}

const [command = "test", ...rest] = process.argv.slice(2);
must(pnpm(["install", "--frozen-lockfile", "--reporter=append-only"], { CI: "true" }), "pnpm install");

switch (command) {
  case "test":
    runTests();
    break;
  case "start":
    must(pnpm(["run", "-w", "start:system", ...rest]), "start");
    break;
  case "bench":
    must(pnpm(["run", "-w", "bench:all", ...rest]), "bench");
    break;
  default:
    console.error(`unknown command "${command}": expected start, test or bench`);
    process.exit(2);
}

// Every suite writes a JSON report into one folder; the sum is the last line, whatever failed.
function runTests() {
  const reportDir = path.join(root, "test-results", "reports");
  rmSync(reportDir, { recursive: true, force: true });
  mkdirSync(reportDir, { recursive: true });
  const startedMs = Date.now();
  const status = pnpm(["run", "-w", "test:all", "--summarize", ...rest], { HANDOFF_TEST_REPORT_DIR: reportDir });
  const summary = summarizeReports(reportDir, newestTurboSummary(startedMs));
  for (const problem of summary.problems) console.error(`✖ ${problem}`);
  if (status !== 0) console.error(`✖ tests failed (exit ${status})`);
  if (status !== 0 && summary.failed === 0) {
    summary.failed = 1;
    console.error("✖ turbo failed without a failed task on record (see its output above)");
  }
  console.log(formatSummary(summary));
  process.exit(status === 0 && summary.failed === 0 ? 0 : status || 1);
}

function newestTurboSummary(sinceMs) {
  const dir = path.join(root, ".turbo", "runs");
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).map((n) => path.join(dir, n)).filter((f) => f.endsWith(".json") && statSync(f).mtimeMs >= sinceMs);
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}
