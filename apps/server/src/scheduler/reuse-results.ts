import type { RunResume } from "@handoff/core";
import type { TaskChange as TaskRow } from "@handoff/db";
import type { LiveMachine } from "./live-machine.ts";
import type { ReusedResult } from "./plan-rerun.ts";
import type { ResultLocations } from "./result-locations.ts";

export interface ReuseContext {
  readonly machines: ReadonlyMap<string, LiveMachine>;
  readonly results: ResultLocations;
  readonly task: (row: TaskRow) => void;
}

/**
 * Hands a re-run the results it reuses: each is recorded as the new run's (kept under the run that produced it), its
 * task row says so, and every holder is told to keep those runs' values until the new run ends. Answers what the
 * core is told: the tasks already succeeded, where their values are (so placement prefers their holders).
 */
export function reuseResults(ctx: ReuseContext, runId: string, reuse: readonly ReusedResult[], now: number): RunResume {
  const tasks: Record<string, RunResume["tasks"][string]> = {};
  const keepBy = new Map<string, Set<string>>();
  for (const { taskId, ref } of reuse) {
    ctx.results.register(runId, taskId, ref);
    ctx.task({
      runId,
      taskId,
      state: "succeeded",
      reason: `reused from run ${ref.heldUnder}`,
      machine: ref.machine,
      attempts: 0,
      resultMachine: ref.machine,
      resultSize: ref.size,
      resultPreview: ref.preview,
      resultStoreId: ref.storeId ?? null,
      codeHash: ref.codeHash ?? null,
      reusedFrom: ref.heldUnder,
      finishedAt: new Date(now),
    });
    // Zero attempts: the core tells a reused input (whose holder placement prefers) from one made in this run.
    tasks[taskId] = { attempts: 0, succeeded: { machine: ref.machine, result: ref } };
    const keep = keepBy.get(ref.machine) ?? new Set<string>();
    keep.add(ref.heldUnder);
    keepBy.set(ref.machine, keep);
  }
  for (const [machine, keep] of keepBy) ctx.machines.get(machine)?.link?.send("results:pin", { v: 1, runId, keep: [...keep] });
  return { tasks };
}
