import { DagFile, toDagSpec } from "@handoff/protocol";
import type { RerunRequest, RerunStarted } from "@handoff/api";
import type { Database, TaskRecord } from "@handoff/db";
import type { RunOptions } from "@handoff/core";
import { RunRejectedError, type Engine } from "./engine.ts";
import { planRerun, type HeldResult } from "./plan-rerun.ts";

/**
 * A re-run from failure: a new run of a finished run's DAG (linked to it, `reason: "rerun"`, with its options) that
 * takes over the old run's succeeded results still held where they are (`planRerun` decides which) and runs the
 * rest. Refusals (unknown run or tasks, a run still going, nothing to re-run) write nothing.
 */
export async function rerunRun(context: { readonly engine: Engine; readonly db: Database }, request: RerunRequest): Promise<RerunStarted> {
  const { engine, db } = context;
  await engine.flushed();
  const found = await db.runs.get(request.runId);
  if (!found) return { ok: false, error: { kind: "not_found", message: `no run "${request.runId}"` } };
  if (engine.isActive(request.runId)) {
    return { ok: false, error: { kind: "precondition_failed", message: `run "${request.runId}" is still going: a re-run from failure starts once it has ended (cancel it to end it now)` } };
  }
  const parsed = DagFile.safeParse(found.run.spec);
  if (!parsed.success) return { ok: false, error: { kind: "precondition_failed", message: `run "${request.runId}" has an unreadable DAG and cannot run again` } };
  const file = parsed.data;
  const plan = planRerun({
    runId: request.runId,
    oldFile: file,
    newFile: file,
    rows: found.tasks,
    from: request.from,
    held: await heldResults(engine, request.runId, found.tasks),
    codeHashesOf: (fn) => codeHashesOf(engine, fn),
  });
  if (!plan.ok) return plan;
  try {
    const runId = await engine.submit({
      dag: toDagSpec(file),
      file,
      options: (found.run.options ?? {}) as RunOptions,
      startedBy: request.startedBy,
      dagId: found.run.dagId,
      dagVersion: found.run.dagVersion,
      dagName: found.run.dagName ?? file.name,
      parentRunId: request.runId,
      reason: "rerun",
      reuse: plan.reuse,
    });
    return { ok: true, runId, reused: plan.reuse.map((entry) => entry.taskId), run: plan.run, notReused: plan.notReused };
  } catch (error) {
    if (error instanceof RunRejectedError) return { ok: false, error: { kind: "rejected", message: error.message, problems: error.problems } };
    throw error;
  }
}

/** Where each succeeded result of the run can be read now, or why it cannot (lost, evicted, holder away or restarted). */
async function heldResults(engine: Engine, runId: string, rows: readonly TaskRecord[]): Promise<Map<string, HeldResult>> {
  const held = new Map<string, HeldResult>();
  for (const row of rows) {
    if (row.state !== "succeeded" || row.inline) continue;
    const ref = await engine.lookupResult(runId, row.taskId);
    const holder = ref === undefined ? undefined : engine.machines.get(ref.machine);
    let reason: string | undefined;
    if (ref === undefined) reason = "its result was not recorded";
    else if (ref.lost) reason = `its result was lost with "${ref.lost.machine}"`;
    else if (ref.evicted) reason = `its result was evicted from "${ref.machine}" (${ref.evicted === "retention" ? "retention time passed" : "disk budget full"})`;
    else if (holder?.link === undefined || holder.status === "offline") reason = `its holder "${ref.machine}" is offline`;
    else if (ref.storeId !== undefined && holder.storeId !== null && holder.storeId !== ref.storeId) reason = `its holder "${ref.machine}" restarted since (a new result store)`;
    held.set(row.taskId, reason === undefined && ref !== undefined ? { ok: true, ref } : { ok: false, reason: reason ?? "its result is not held" });
  }
  return held;
}

/** The code hashes the connected machines offer for `fn` now. */
function codeHashesOf(engine: Engine, fn: string): string[] {
  const hashes = new Set<string>();
  for (const machine of engine.machines.values()) {
    if (machine.status === "offline") continue;
    const offered = machine.functions.find((candidate) => candidate.name === fn);
    if (offered) hashes.add(offered.codeHash);
  }
  return [...hashes];
}
