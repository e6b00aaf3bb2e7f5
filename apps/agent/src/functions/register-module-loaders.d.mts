/** Lets this thread import function modules (TypeScript, and the agent's own `@handoff/sdk`, `@handoff/protocol`, `zod`). Idempotent. */
export function registerModuleLoaders(): void;
