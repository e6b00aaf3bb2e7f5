// Browser tests arrive with the dashboard (apps/web); they run in Debian's Chromium, see .ci/run.
export default {
  testDir: "apps/web/e2e",
  outputDir: "test-results",
  use: { screenshot: "on", trace: "retain-on-failure" },
};
