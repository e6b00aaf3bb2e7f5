import type { SchedulerState } from "@handoff/core";
import type { LiveMachine } from "./live-machine.ts";

/**
 * The code hash of the function an attempt in flight runs, as `machine` offers it: recorded with the result, so a
 * re-run reuses the result only while the code is unchanged. Undefined for an attempt the scheduler no longer knows.
 */
export function producerCodeHash(state: SchedulerState, machine: LiveMachine, attemptId: string): string | undefined {
  const record = state.attempts.get(attemptId);
  const fn = record === undefined ? undefined : state.runs.get(record.runId)?.compiled.tasks[record.task]?.spec.fn;
  return fn === undefined ? undefined : machine.functions.find((offered) => offered.name === fn)?.codeHash;
}
