// The one place every package's vitest config comes from: the shared reporters (the JSON counts that
// `npm test` sums into its last line) and, for packages with fast-check properties, the seed and run
// count (printed once, replayable with FC_SEED / FC_NUM_RUNS).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { vitestReportName } from "./scripts/test/summarize-reports.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

/** @param {{ test?: import("vitest/config").ViteUserConfig["test"], propertyRuns?: number }} [options] */
export function defineHandoffTestConfig(options = {}) {
  const { test = {}, propertyRuns } = options;
  const reportDir = process.env.HANDOFF_TEST_REPORT_DIR;
  const report = vitestReportName(path.relative(here, process.cwd()));
  const reporters = reportDir ? ["default", ["json", { outputFile: path.join(reportDir, report) }]] : ["default"];
  const fastCheck = propertyRuns === undefined ? {} : {
    globalSetup: [path.join(here, "scripts/test/fast-check-global-setup.mjs"), ...(test.globalSetup ?? [])],
    setupFiles: [path.join(here, "scripts/test/fast-check-setup.mjs"), ...(test.setupFiles ?? [])],
    provide: { fcDefaultRuns: propertyRuns },
  };
  // Every package's tests run at once under `npm test` (2 cores in CI): vitest's 5 s default is a hang detector
  // that fired on a loaded machine for work that takes seconds there (25 module imports in dag-code). A package
  // that sets its own testTimeout keeps it.
  return { test: { testTimeout: 30_000, ...test, reporters, ...fastCheck } };
}
