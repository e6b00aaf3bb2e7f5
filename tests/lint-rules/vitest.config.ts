import { defineHandoffTestConfig } from "../../vitest.shared.mjs";

// Each test lints snippets with the repository's own eslint.config.mjs: slow to load on a busy machine.
export default defineHandoffTestConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
