#!/usr/bin/env node
// Launches the agent's CLI (TypeScript) through tsx: the package ships its sources, with no build step.
import { register } from "tsx/esm/api";

register();
const { runAgentCli } = await import("../src/cli.ts");
await runAgentCli(process.argv.slice(2));
