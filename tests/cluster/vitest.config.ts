import { defineHandoffTestConfig } from "../../vitest.shared.mjs";

// Real processes on a 2-core machine: generous timeouts, one file at a time.
export default defineHandoffTestConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false } });
