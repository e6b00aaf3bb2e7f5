#!/usr/bin/env node
// `npm start` after install: build the dashboard when it is missing or older than its sources, then
// start the whole system (server + dashboard + local agent) through the CLI.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runForwarding } from "./run-forwarding.mjs";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const web = path.join(root, "apps/web");
const pnpm = ["-y", "pnpm@10.34.9"];
// pnpm passes its own settings to scripts as npm_config_*; the npx below (npm) warns "Unknown env config" for each.
// Keep only the settings npm itself reads (registry, cache, user config).
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_config_/i.test(key) || /^npm_config_(registry|cache|userconfig)$/i.test(key)));

// The database clients are generated, not committed: generate them before anything imports them (a fresh clone).
const generated = await runForwarding("npx", [...pnpm, "--filter", "@handoff/db", "codegen"], { cwd: root, env });
if (generated !== 0) process.exit(generated);

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".next" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

if (existsSync(path.join(web, "package.json"))) {
  const buildId = path.join(web, ".next", "BUILD_ID");
  if (!existsSync(buildId) || statSync(buildId).mtimeMs < newest(path.join(web, "src"))) {
    console.log("building the dashboard (apps/web) — once, or when its sources changed…");
    const built = await runForwarding("npx", [...pnpm, "--filter", "@handoff/web", "build"], { cwd: root, env: { ...env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (built !== 0) console.error("the dashboard did not build; starting without it");
  }
}
// A supervisor's SIGTERM to this process reaches the CLI, which stops the server, the agent and the dashboard.
process.exit(await runForwarding("npx", [...pnpm, "--filter", "@handoff/cli", "start", ...process.argv.slice(2)], { cwd: root, env }));
