import { defineHandoffTestConfig } from "../../vitest.shared.mjs";

// Property runs grow with FC_NUM_RUNS: give them room.
export default defineHandoffTestConfig({ propertyRuns: 200, test: { testTimeout: 300_000 } });
