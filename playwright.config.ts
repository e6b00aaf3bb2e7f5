// Browser tests of the dashboard (apps/web/e2e) in Debian's Chromium against the real stack, which each
// spec file starts itself (server + agents + the built dashboard). Build the dashboard first: `pnpm --filter @handoff/web build`.
// Plain object (no import): @playwright/test is a dependency of apps/web, run as `pnpm --filter @handoff/web e2e`.
export default {
  testDir: "apps/web/e2e",
  outputDir: "apps/web/test-results/artifacts",
  timeout: 180_000,
  expect: { timeout: 30_000 },
  workers: 1,
  fullyParallel: false,
  // `npm test` sums the JSON counts into its last line (scripts/bootstrap.mjs).
  reporter: process.env.HANDOFF_TEST_REPORT_DIR ? [["list"], ["json", { outputFile: `${process.env.HANDOFF_TEST_REPORT_DIR}/playwright.json` }]] : [["list"]],
  use: {
    screenshot: "on",
    actionTimeout: 30_000,
    trace: "retain-on-failure",
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.HANDOFF_CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    },
  },
};
