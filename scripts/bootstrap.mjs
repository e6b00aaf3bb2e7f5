#!/usr/bin/env node
// The two commands (`npm start`, `npm test`) on a machine that has only Node and npm:
// fetch the pinned pnpm through npx, install the workspace from the lockfile, then do the job.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

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
    must(pnpm(["run", "-w", "test:all", ...rest]), "tests");
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
