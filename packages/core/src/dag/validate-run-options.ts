import type { DagProblem } from "../errors.ts";
import { boundProblem, Bounds } from "../limits/bounds.ts";
import type { RunOptions } from "../scheduler/messages.ts";

/**
 * The run-level numbers, checked against the same bounds as a task's (`options.timeoutMs` ≤ 24 h,
 * `options.maxRetries` ≤ 100). Problems are `invalid_task` without a task, `field` naming the option.
 * @example
 * validateRunOptions({ timeoutMs: 30 * 86_400_000 })[0]?.field // "options.timeoutMs"
 */
export function validateRunOptions(options: RunOptions | undefined): DagProblem[] {
  const problems: DagProblem[] = [];
  const check = (name: "timeoutMs" | "maxRetries", value: unknown): void => {
    if (value === undefined) return;
    const problem = boundProblem(Bounds[name], value);
    if (problem !== null) problems.push({ kind: "invalid_task", taskId: null, field: `options.${name}`, message: `run option ${name} ${problem}` });
  };
  check("timeoutMs", options?.timeoutMs);
  check("maxRetries", options?.maxRetries);
  if (options?.maxConcurrency !== undefined && !(Number.isInteger(options.maxConcurrency) && options.maxConcurrency >= 1 && options.maxConcurrency <= 1_000_000)) {
    problems.push({
      kind: "invalid_task",
      taskId: null,
      field: "options.maxConcurrency",
      message: `run option maxConcurrency must be an integer ≥ 1 and ≤ 1000000, got ${String(options.maxConcurrency)}`,
    });
  }
  return problems;
}
