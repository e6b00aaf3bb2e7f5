import type { ViteUserConfig } from "vitest/config";

/** Every package's vitest config: shared reporters, and fast-check's seed/run count when `propertyRuns` is set. */
export function defineHandoffTestConfig(options?: { test?: ViteUserConfig["test"]; propertyRuns?: number }): ViteUserConfig;
