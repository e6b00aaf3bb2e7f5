export { agentEntry, loadWeb, spawnAgent } from "./commands/start.ts";
export { UsageError } from "./args.ts";
