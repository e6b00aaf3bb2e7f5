#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (the workspace ships sources, not builds).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const tsx = require.resolve("tsx");
const main = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const child = spawn(process.execPath, ["--import", tsx, main, ...process.argv.slice(2)], { stdio: "inherit" });

// A signal sent to this wrapper alone (a supervisor's SIGTERM, `kill <pid>`) reaches the CLI too: with the wrapper
// gone and the CLI still running, `handoff start` left its server behind. SIGINT from a terminal already reaches both
// (one process group), so the wrapper only waits for the CLI to end: forwarding it would make it a second Ctrl-C.
for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
process.on("SIGINT", () => undefined);

child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
child.on("error", (error) => {
  console.error(`handoff: could not start the CLI: ${error.message}`);
  process.exit(1);
});
