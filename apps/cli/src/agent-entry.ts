import { fileURLToPath } from "node:url";

/** The agent's command-line entry, resolved through its package's public exports (`@handoff/agent/cli`). */
export function agentEntry(): string {
  return fileURLToPath(import.meta.resolve("@handoff/agent/cli"));
}
