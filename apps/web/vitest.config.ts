import { defineHandoffTestConfig } from "../../vitest.shared.mjs";

// Unit tests of the pure modules only: no browser, no DOM (Playwright covers the pages in e2e/).
export default defineHandoffTestConfig({ test: { include: ["src/**/*.test.ts"], environment: "node", testTimeout: 30_000 } });
