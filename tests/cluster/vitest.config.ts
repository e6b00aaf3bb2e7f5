import { defineConfig } from "vitest/config";

// Real processes on a 2-core machine: generous timeouts, one file at a time.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false },
});
