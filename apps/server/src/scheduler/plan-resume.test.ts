import type { AttemptRecord, InFlightRun, TaskRecord } from "@handoff/db";
import type { TaskFinishedItem } from "@handoff/protocol";
import { describe, expect, it } from "vitest";
import { planResume, type HeldReport, type ResumeInput } from "./plan-resume.ts";

const NOW = 1_700_000_000_000;
const file = { format: "handoff.dag", version: 1, name: "chain", tasks: [{ id: "a", fn: "std.identity" }, { id: "b", fn: "std.identity", args: ["a"] }] };

function task(taskId: string, fields: Partial<TaskRecord> = {}): TaskRecord {
  return { runId: "r", taskId, state: "waiting_for_dependencies", reason: null, machine: null, attempts: 0, resultMachine: null, resultSize: null, resultPreview: null, resultStoreId: null, lostAt: null, lostMachine: null, errorKind: null, errorMessage: null, startedAt: null, finishedAt: null, inline: false, codeHash: null, reusedFrom: null, ...fields };
}

function attempt(taskId: string, number: number, fields: Partial<AttemptRecord> = {}): AttemptRecord {
  return { id: `r/${taskId}#${number}`, runId: "r", taskId, number, machine: "m1", state: "running", startedAt: new Date(NOW - 5_000), finishedAt: null, errorKind: null, errorMessage: null, metrics: null, placement: null, ...fields };
}

function run(tasks: TaskRecord[], attempts: AttemptRecord[] = [], spec: unknown = file): InFlightRun {
  const at = new Date(NOW - 60_000);
  return { run: { id: "r", dagId: null, dagVersion: null, dagName: null, spec, options: {}, status: "running", startedBy: null, createdAt: at, startedAt: at, finishedAt: null, outcome: null, parentRunId: null, reason: null, triggerId: null, params: null, template: null }, tasks, attempts };
}

const succeededItem = (attemptId: string, wallMs = 12): TaskFinishedItem => ({ ok: true, attemptId, result: { size: 2, contentType: "application/json", preview: "42", truncated: false }, metrics: { wallMs } });

function input(runs: InFlightRun[], fields: Partial<ResumeInput> = {}): ResumeInput {
  return { runs, held: new Map(), reports: new Map(), stillRunning: new Map(), isConnected: () => true, storeIdOf: () => null, now: NOW, ...fields };
}

const resumeOf = (plan: ReturnType<typeof planResume>) => plan.runs[0]!.event.resume!.tasks;

describe("when runs left in flight are planned for resuming", () => {
  it("keeps a task that succeeded before the restart where its result is, without running it again", () => {
    const plan = planResume(input([run([task("a", { state: "succeeded", attempts: 1, resultMachine: "m1", resultSize: 2, resultPreview: "42" }), task("b")])]));
    expect(resumeOf(plan)["a"]).toMatchObject({ attempts: 1, succeeded: { machine: "m1", result: { machine: "m1", size: 2, preview: "42" } } });
    expect(plan.runs[0]!.results).toMatchObject([{ taskId: "a", ref: { machine: "m1" } }]);
    expect(resumeOf(plan)["b"]).toEqual({ attempts: 0 });
    expect(plan.events).toEqual([]);
    expect(plan.runs[0]).toMatchObject({ succeeded: 1, adopted: 0 });
  });

  it("treats a result recorded under another store instance of a machine that is back as lost: the task runs again", () => {
    const succeeded = task("a", { state: "succeeded", attempts: 1, resultMachine: "m1", resultStoreId: "store-old-1" });
    const plan = planResume(input([run([succeeded, task("b")])], { storeIdOf: () => "store-new-1" }));
    expect(resumeOf(plan)["a"]).toEqual({ attempts: 1 });
    expect(plan.runs[0]!.results).toEqual([]);
  });

  it("adopts a succeeded attempt an agent reported while the server was away, and writes it", () => {
    const reports = new Map<string, HeldReport>([["r/a#1", { machine: "m2", runId: "r", taskId: "a", item: succeededItem("r/a#1"), storeId: "store-m2-1" }]]);
    const plan = planResume(input([run([task("a", { state: "running", attempts: 1 }), task("b")], [attempt("a", 1, { machine: "m2" })])], { reports }));
    expect(resumeOf(plan)["a"]).toMatchObject({ attempts: 1, succeeded: { machine: "m2", result: { machine: "m2", storeId: "store-m2-1" } } });
    expect(plan.runs[0]!.changes).toEqual([expect.objectContaining({ taskId: "a", state: "succeeded", machine: "m2", at: NOW })]);
    expect(plan.runs[0]!.writes).toEqual([expect.objectContaining({ id: "r/a#1", state: "succeeded", machine: "m2", metrics: { wallMs: 12 } })]);
    expect(plan.runs[0]!.writes[0]).not.toHaveProperty("startedAt"); // the database knew the attempt
    expect(plan.aborts).toEqual([]);
    expect(plan.runs[0]).toMatchObject({ adopted: 1 });
  });

  it("adopts an attempt still running on a machine that came back, known to the database or not", () => {
    const stillRunning = new Map([["r/a#3", "m1"]]);
    const plan = planResume(input([run([task("a", { state: "running", attempts: 2 }), task("b")], [attempt("a", 2)])], { stillRunning, held: new Map([["r/a#2", "m1"]]) }));
    expect(resumeOf(plan)["a"]).toEqual({ attempts: 3, running: { attemptId: "r/a#3", machine: "m1" } });
    expect(plan.runs[0]!.adoptedAttempts).toEqual([{ attemptId: "r/a#3", runId: "r", taskId: "a", number: 3, machine: "m1", startedAt: NOW }]);
    const writes = plan.runs[0]!.writes;
    expect(writes).toContainEqual(expect.objectContaining({ id: "r/a#3", state: "running", machine: "m1" }));
    // The stored attempt #2 is neither reported nor adopted: it failed with the restart and its agent is told to stop.
    expect(writes).toContainEqual(expect.objectContaining({ id: "r/a#2", state: "failed", errorKind: "interrupted" }));
    expect(plan.aborts).toEqual([{ machine: "m1", attemptId: "r/a#2" }]);
  });

  it("aborts a still-running attempt of a task that is already done, and one on a machine not connected is left alone", () => {
    const stillRunning = new Map([["r/a#2", "m1"], ["r/b#1", "m9"]]);
    const plan = planResume(input([run([task("a", { state: "succeeded", attempts: 1, resultMachine: "m1" }), task("b")])], { stillRunning, isConnected: (name) => name !== "m9" }));
    expect(plan.aborts).toEqual([{ machine: "m1", attemptId: "r/a#2" }]);
    expect(resumeOf(plan)["b"]).toEqual({ attempts: 0 });
    expect(plan.runs[0]!.adoptedAttempts).toEqual([]);
  });

  it("fails a stored running attempt with the error its agent reported, and does not abort it", () => {
    const failed: TaskFinishedItem = { ok: false, attemptId: "r/a#1", error: { kind: "function_failed", message: "boom" }, metrics: { wallMs: 3 } };
    const reports = new Map<string, HeldReport>([["r/a#1", { machine: "m1", runId: "r", taskId: "a", item: failed }]]);
    const plan = planResume(input([run([task("a", { state: "running", attempts: 1 }), task("b")], [attempt("a", 1)])], { reports, held: new Map([["r/a#1", "m1"]]) }));
    expect(plan.runs[0]!.writes).toEqual([expect.objectContaining({ id: "r/a#1", state: "failed", errorKind: "function_failed", errorMessage: "boom", metrics: { wallMs: 3 } })]);
    expect(plan.aborts).toEqual([]);
    expect(resumeOf(plan)["a"]).toEqual({ attempts: 1 });
  });

  it("marks the holders of kept results that did not come back offline, so the core recomputes what is still needed", () => {
    const plan = planResume(input([run([task("a", { state: "succeeded", attempts: 1, resultMachine: "gone" }), task("b")])], { isConnected: (name) => name !== "gone" }));
    expect(plan.events).toEqual([{ type: "machine_status_changed", now: NOW, name: "gone", status: "offline" }]);
    expect(resumeOf(plan)["a"]).toMatchObject({ succeeded: { machine: "gone" } });
  });

  it("sets aside a run whose stored DAG cannot be read, and still plans the others", () => {
    const broken = run([task("a")], [], { format: "not a dag" });
    const good = run([task("a"), task("b")]);
    const plan = planResume(input([{ ...broken, run: { ...broken.run, id: "broken" } }, good]));
    expect(plan.unreadable).toEqual(["broken"]);
    expect(plan.runs.map((planned) => planned.runId)).toEqual(["r"]);
    expect(plan.runs[0]!.event).toMatchObject({ type: "run_submitted", runId: "r", now: NOW, dag: { tasks: [{ id: "a" }, { id: "b" }] } });
  });

  it("continues attempt numbers after every attempt the database or the agents know", () => {
    const reports = new Map<string, HeldReport>([["r/b#4", { machine: "m1", runId: "r", taskId: "b", item: succeededItem("r/b#4", 0) }]]);
    const plan = planResume(input([run([task("a", { attempts: 1 }), task("b", { attempts: 1 })], [attempt("a", 2, { state: "failed" })])], { reports }));
    expect(resumeOf(plan)["a"]).toEqual({ attempts: 2 });
    expect(resumeOf(plan)["b"]).toMatchObject({ attempts: 4 });
    expect(plan.runs[0]!.writes).toEqual([expect.objectContaining({ id: "r/b#4", state: "succeeded", startedAt: new Date(NOW) })]);
    expect(plan.runs[0]!.writes[0]).not.toHaveProperty("metrics"); // re-announced at hello: no measured wall time
  });
});
