import type { TaskRecord } from "@handoff/db";
import type { DagFile } from "@handoff/protocol";
import { describe, expect, it } from "vitest";
import { planRerun, type HeldResult, type RerunPlanInput } from "./plan-rerun.ts";

// a → b → c, and a → d (d is a sink); i is inline, consumed by e (e ← i ← a)
const file: DagFile = {
  format: "handoff.dag",
  version: 1,
  name: "chain",
  tasks: [
    { id: "a", fn: "std.constant", extraArgs: [1] },
    { id: "b", fn: "test.flaky", args: ["a"] },
    { id: "c", fn: "std.identity", args: ["b"] },
    { id: "d", fn: "std.identity", args: ["a"] },
    { id: "i", fn: "std.identity", args: ["a"], type: "inline" },
    { id: "e", fn: "std.identity", args: ["i"] },
  ],
};

function row(taskId: string, fields: Partial<TaskRecord> = {}): TaskRecord {
  return { runId: "old", taskId, state: "succeeded", reason: null, machine: "m1", attempts: 1, resultMachine: "m1", resultSize: 1, resultPreview: "1", resultStoreId: "s1", lostAt: null, lostMachine: null, errorKind: null, errorMessage: null, startedAt: null, finishedAt: null, inline: false, codeHash: "h", reusedFrom: null, ...fields };
}

const held = (...ids: string[]): Map<string, HeldResult> => new Map(ids.map((id) => [id, { ok: true, ref: { machine: "m1", size: 1, contentType: "application/json", preview: "1", truncated: false, storeId: "s1" } }]));

function input(fields: Partial<RerunPlanInput> = {}): RerunPlanInput {
  return {
    runId: "old",
    oldFile: file,
    newFile: file,
    rows: [row("a"), row("b", { state: "failed", resultMachine: null }), row("c", { state: "cancelled", resultMachine: null }), row("d"), row("i", { state: "waiting_for_dependencies", inline: true }), row("e")],
    from: "failed",
    held: held("a", "d", "e"),
    codeHashesOf: () => ["h"],
    ...fields,
  };
}

describe("when a re-run from failure is planned", () => {
  it("runs what did not succeed and what is downstream, and reuses the rest where it is, under the run that made it", () => {
    const plan = planRerun(input());
    expect(plan).toMatchObject({ ok: true, run: ["b", "c"], notReused: [] });
    if (!plan.ok) return;
    expect(plan.reuse.map((entry) => entry.taskId)).toEqual(["a", "d", "e"]);
    expect(plan.reuse[0]!.ref).toMatchObject({ machine: "m1", heldUnder: "old", codeHash: "h" });
  });

  it("keeps a value a re-run reused under the run that produced it", () => {
    const plan = planRerun(input({ rows: [row("a", { reusedFrom: "older" }), row("b", { state: "failed" }), row("c", { state: "cancelled" }), row("d"), row("e")] }));
    expect(plan.ok && plan.reuse[0]!.ref.heldUnder).toBe("older");
  });

  it("runs a chosen task and everything downstream of it (inline tasks included), reusing the chosen task's inputs", () => {
    const plan = planRerun(input({ rows: ["a", "b", "c", "d", "e"].map((id) => row(id)), held: held("a", "b", "c", "d", "e"), from: ["a"] }));
    expect(plan).toMatchObject({ ok: true, run: ["a", "b", "c", "d", "e"], reuse: [] });
    const middle = planRerun(input({ rows: ["a", "b", "c", "d", "e"].map((id) => row(id)), held: held("a", "b", "c", "d", "e"), from: ["b"] }));
    expect(middle).toMatchObject({ ok: true, run: ["b", "c"] });
    expect(middle.ok && middle.reuse.map((entry) => entry.taskId)).toEqual(["a", "d", "e"]);
  });

  it("recomputes a result lost or evicted meanwhile from its lineage, and its consumers keep theirs", () => {
    const plan = planRerun(input({ held: new Map([...held("d", "e"), ["a", { ok: false, reason: "lost with m1" }]]) }));
    expect(plan).toMatchObject({ ok: true, run: ["a", "b", "c"], notReused: [{ taskId: "a", reason: "lost with m1" }] });
    expect(plan.ok && plan.reuse.map((entry) => entry.taskId)).toEqual(["d", "e"]);
  });

  it("does not reuse a result whose task changed or whose function's code changed, nor anything downstream of it", () => {
    const changed: DagFile = { ...file, tasks: file.tasks.map((task) => (task.id === "a" ? { ...task, extraArgs: [2] } : task)) };
    expect(planRerun(input({ newFile: changed }))).toMatchObject({ ok: true, run: ["a", "b", "c", "d", "e"], reuse: [], notReused: [{ taskId: "a", reason: "its task changed" }, { taskId: "d", reason: "an input runs again" }, { taskId: "e", reason: "an input runs again" }] });
    const moved: DagFile = { ...file, tasks: file.tasks.map((task) => (task.id === "a" ? { ...task, position: { x: 5, y: 5 }, label: "A" } : task)) };
    expect(planRerun(input({ newFile: moved }))).toMatchObject({ ok: true, run: ["b", "c"] });
    const code = planRerun(input({ codeHashesOf: (fn) => (fn === "std.identity" ? ["h", "h2"] : ["h"]) }));
    expect(code).toMatchObject({ ok: true, run: ["b", "c", "d", "e"], notReused: [{ taskId: "d", reason: "its function's code changed (h → h2)" }, { taskId: "e" }] });
    expect(planRerun(input({ rows: [row("a", { codeHash: null }), row("b", { state: "failed" }), row("c", { state: "cancelled" }), row("d"), row("e")] }))).toMatchObject({ ok: true, run: ["a", "b", "c", "d", "e"] });
  });

  it("re-runs consumers of an inline task whose spec changed", () => {
    const changed: DagFile = { ...file, tasks: file.tasks.map((task) => (task.id === "i" ? { ...task, extraArgs: [9] } : task)) };
    expect(planRerun(input({ newFile: changed }))).toMatchObject({ ok: true, run: ["b", "c", "e"] });
  });

  it("refuses unknown or inline tasks, and a run with nothing to re-run, naming them", () => {
    expect(planRerun(input({ from: ["b", "nope", "zip"] }))).toEqual({ ok: false, error: { kind: "not_found", message: 'run "old" has no task "nope", "zip"' } });
    expect(planRerun(input({ from: ["i"] }))).toMatchObject({ ok: false, error: { kind: "invalid_request", message: expect.stringContaining('"i" is an inline task') as string } });
    const allGood = input({ rows: ["a", "b", "c", "d", "e"].map((id) => row(id)), held: held("a", "b", "c", "d", "e") });
    expect(planRerun(allGood)).toMatchObject({ ok: false, error: { kind: "precondition_failed", message: expect.stringContaining("nothing to re-run") as string } });
  });
});
