import type { MachineName } from "../dag/model.ts";
import { TaskState } from "../dag/model.ts";
import type { RunState } from "./scheduler-state.ts";

/**
 * The machine that holds the most of a task's inputs a re-run reused (results it took over from an earlier run,
 * succeeded with no attempt of its own), so placing the task there moves none of them. Undefined when it has none.
 * Inputs made in this run are not counted: placement for them stays the strategy's.
 * @example
 * reusedInputHolder(run, index) // "m2"
 */
export function reusedInputHolder(run: RunState, index: number): MachineName | undefined {
  if (!run.isResumed) return undefined; // a run not resumed took over no result: no walk of the task's inputs
  let best: MachineName | undefined;
  let bestCount = 0;
  // Made on the first reused input only: most tasks have none, and this runs at every placement.
  let counts: Map<MachineName, number> | undefined;
  for (const dep of run.compiled.tasks[index]!.deps) {
    const producer = run.tasks[dep]!;
    if (producer.state !== TaskState.Succeeded || producer.attempts !== 0 || producer.resultMachine === null) continue;
    counts ??= new Map();
    const count = (counts.get(producer.resultMachine) ?? 0) + 1;
    counts.set(producer.resultMachine, count);
    if (count > bestCount) {
      best = producer.resultMachine;
      bestCount = count;
    }
  }
  return best;
}
