// Sums the JSON reports every suite of `npm test` writes (vitest per package, Playwright for the
// dashboard) into the one line `npm test` ends with: `N passed, N failed[, N skipped]`.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** The report file a package's vitest run writes (see vitest.shared.mjs), from its folder in the repository. */
export function vitestReportName(packageDir) {
  return `vitest-${packageDir.split(/[\\/]/).filter(Boolean).join("-") || "root"}.json`;
}

/**
 * @param {string} dir the folder of JSON reports
 * @param {string | undefined} turboSummary turbo's `--summarize` file: a failed typecheck, lint or build
 *   task counts as one failure, and so does a test task that failed without reporting a failed test.
 * @returns {{ passed: number, failed: number, skipped: number, problems: string[] }}
 */
export function summarizeReports(dir, turboSummary) {
  const total = { passed: 0, failed: 0, skipped: 0, problems: [] };
  const failedInReport = new Map();
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(".json")).sort() : [];
  for (const name of names) {
    let report;
    try {
      report = JSON.parse(readFileSync(path.join(dir, name), "utf8"));
    } catch (error) {
      total.problems.push(`${name}: unreadable report (${error.message})`);
      total.failed += 1;
      continue;
    }
    const before = total.failed;
    if (name.startsWith("playwright")) addPlaywright(total, report);
    else addVitest(total, report, name);
    failedInReport.set(name, total.failed - before);
  }
  if (turboSummary !== undefined && existsSync(turboSummary)) addTurboTasks(total, turboSummary, failedInReport);
  return total;
}

function addTurboTasks(total, file, failedInReport) {
  const { tasks = [] } = JSON.parse(readFileSync(file, "utf8"));
  for (const task of tasks) {
    const exitCode = task.execution?.exitCode;
    if (exitCode === undefined || exitCode === null || exitCode === 0) continue;
    const report = task.task === "e2e" ? "playwright.json" : task.task === "test" ? vitestReportName(task.directory ?? "") : undefined;
    if (report !== undefined && (failedInReport.get(report) ?? 0) > 0) continue;
    total.failed += 1;
    total.problems.push(`${task.taskId} exited with ${exitCode}`);
  }
}

function addVitest(total, report, name) {
  total.passed += report.numPassedTests ?? 0;
  total.failed += report.numFailedTests ?? 0;
  total.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that failed before any test ran (an import error, a failing hook) counts as one failure.
  for (const file of report.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((t) => t.status === "failed").length;
    if (file.status === "failed" && failedTests === 0) {
      total.failed += 1;
      total.problems.push(`${name}: ${path.basename(file.name ?? "?")} failed outside its tests`);
    }
  }
}

function addPlaywright(total, report) {
  const stats = report.stats ?? {};
  total.passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
  total.failed += stats.unexpected ?? 0;
  total.skipped += stats.skipped ?? 0;
  for (const error of report.errors ?? []) {
    total.failed += 1;
    total.problems.push(`playwright: ${String(error.message ?? error).split("\n")[0]}`);
  }
}

export function formatSummary({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`;
}
