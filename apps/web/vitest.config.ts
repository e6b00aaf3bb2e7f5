import { defineHandoffTestConfig } from "../../vitest.shared.mjs";

// Unit tests of the pure modules only: no browser, no DOM (Playwright covers the pages in e2e/).
// Its fast-check properties take the run's seed and run count (printed; FC_SEED / FC_NUM_RUNS replay them).
export default defineHandoffTestConfig({ test: { include: ["src/**/*.test.ts"], environment: "node", testTimeout: 30_000 }, propertyRuns: 100 });
