// Before each test file: every fc.assert uses the run's seed and run count (see fast-check-global-setup.mjs).
import fc from "fast-check";
import { inject } from "vitest";

fc.configureGlobal({ seed: inject("fcSeed"), numRuns: inject("fcNumRuns") });
