import { expect, it } from "vitest";
import { isUniqueViolation } from "./is-unique-violation.ts";
import { describeEachDatabase } from "./testing/describe-each-database.ts";
import { maxResultPreviewBytes, type NewRun } from "./run-records.ts";

const newRun = (overrides: Partial<NewRun> = {}): NewRun => ({
  dagId: null,
  dagVersion: null,
  spec: { tasks: [{ id: "a" }, { id: "b" }, { id: "c" }] },
  options: { strategy: "first_available" },
  status: "queued",
  startedBy: "alice",
  tasks: [
    { taskId: "a", state: "waiting_for_resources" },
    { taskId: "b", state: "waiting_for_dependencies" },
    { taskId: "c", state: "waiting_for_dependencies", reason: "needs a" },
  ],
  ...overrides,
});

describeEachDatabase("when runs are stored", (database) => {
  it("creates a run with all its tasks", async () => {
    const { runs } = database().db;
    const run = await runs.create(newRun());
    const stored = await runs.get(run.id);
    expect(stored?.run).toEqual(run);
    expect(stored?.run).toMatchObject({ status: "queued", spec: newRun().spec, options: { strategy: "first_available" }, outcome: null });
    expect(stored?.tasks.map((t) => [t.taskId, t.state, t.reason, t.attempts])).toEqual([
      ["a", "waiting_for_resources", null, 0],
      ["b", "waiting_for_dependencies", null, 0],
      ["c", "waiting_for_dependencies", "needs a", 0],
    ]);
  });

  it("keeps an idempotency key unique: a second run with it is refused and writes nothing", async () => {
    const { runs } = database().db;
    const first = await runs.create(newRun({ idempotencyKey: "tok:k1" }));
    const refused = await runs.create(newRun({ id: "second-with-k1", idempotencyKey: "tok:k1" })).catch((error: unknown) => error);
    expect(isUniqueViolation(refused)).toBe(true);
    expect(await runs.get("second-with-k1")).toBeUndefined();
    expect(await runs.findByIdempotencyKey("tok:k1")).toEqual({ id: first.id, createdAt: first.createdAt });
    expect(await runs.findByIdempotencyKey("tok:other")).toBeUndefined();
  });

  it("frees an idempotency key only when its run is older than the cut-off", async () => {
    const { runs } = database().db;
    const old = await runs.create(newRun({ idempotencyKey: "tok:k2", createdAt: new Date("2026-01-01T00:00:00Z") }));
    await runs.releaseIdempotencyKey("tok:k2", new Date("2025-12-31T00:00:00Z"));
    expect((await runs.findByIdempotencyKey("tok:k2"))?.id).toBe(old.id);
    await runs.releaseIdempotencyKey("tok:k2", new Date("2026-01-02T00:00:00Z"));
    expect(await runs.findByIdempotencyKey("tok:k2")).toBeUndefined();
    const again = await runs.create(newRun({ idempotencyKey: "tok:k2" }));
    expect((await runs.findByIdempotencyKey("tok:k2"))?.id).toBe(again.id);
  });

  it("creates nothing when a task id repeats (one transaction)", async () => {
    const { runs } = database().db;
    const id = "run-with-duplicate-task";
    await expect(runs.create(newRun({ id, tasks: [{ taskId: "a", state: "running" }, { taskId: "a", state: "running" }] }))).rejects.toThrow();
    expect(await runs.get(id)).toBeUndefined();
  });

  it("applies a tick's task, attempt and run changes together", async () => {
    const { runs } = database().db;
    const run = await runs.create(newRun());
    const t0 = new Date("2026-05-05T05:05:05.005Z");
    const t1 = new Date("2026-05-05T05:05:06.006Z");
    await runs.applyChanges({
      runs: [{ runId: run.id, status: "running", startedAt: t0 }],
      tasks: [{ runId: run.id, taskId: "a", state: "running", machine: "m1", attempts: 1, startedAt: t0, reason: null }],
      attempts: [{ id: `${run.id}/a#1`, runId: run.id, taskId: "a", number: 1, state: "running", machine: "m1", startedAt: t0, placement: { machine: "m1", rule: "first_fit" } }],
    });
    await runs.applyChanges({
      runs: [{ runId: run.id, status: "succeeded", finishedAt: t1, outcome: { kind: "succeeded" } }],
      tasks: [
        { runId: run.id, taskId: "a", state: "succeeded", resultMachine: "m1", resultSize: 42, resultPreview: "[1,2]", finishedAt: t1 },
        { runId: run.id, taskId: "b", state: "upstream_failed", errorKind: "upstream_failed", errorMessage: "c failed" },
      ],
      attempts: [{ id: `${run.id}/a#1`, runId: run.id, taskId: "a", number: 1, state: "succeeded", finishedAt: t1, metrics: { durationMs: 1001 } }],
    });
    const stored = await runs.get(run.id);
    expect(stored?.run).toMatchObject({ status: "succeeded", startedAt: t0, finishedAt: t1, outcome: { kind: "succeeded" } });
    expect(stored?.tasks[0]).toEqual({
      runId: run.id, taskId: "a", state: "succeeded", reason: null, machine: "m1", attempts: 1,
      resultMachine: "m1", resultSize: 42, resultPreview: "[1,2]", resultStoreId: null, lostAt: null, lostMachine: null, errorKind: null, errorMessage: null, startedAt: t0, finishedAt: t1, inline: false, codeHash: null, reusedFrom: null,
    });
    expect(stored?.tasks[1]).toMatchObject({ state: "upstream_failed", errorKind: "upstream_failed", errorMessage: "c failed", machine: null });
    expect(stored?.tasks[2]).toMatchObject({ state: "waiting_for_dependencies", reason: "needs a" });
    expect(await runs.listAttempts(run.id, "a")).toEqual([
      { id: `${run.id}/a#1`, runId: run.id, taskId: "a", number: 1, machine: "m1", state: "succeeded", startedAt: t0, finishedAt: t1, errorKind: null, errorMessage: null, metrics: { durationMs: 1001 }, placement: { machine: "m1", rule: "first_fit" } },
    ]);
  });

  it("lets the last change win when one batch changes a task twice", async () => {
    const { runs } = database().db;
    const run = await runs.create(newRun());
    await runs.applyChanges({
      tasks: [
        { runId: run.id, taskId: "a", state: "running", machine: "m1" },
        { runId: run.id, taskId: "a", state: "retrying", reason: "attempt 1 failed" },
        { runId: run.id, taskId: "a", state: "running", machine: "m2", attempts: 2 },
      ],
    });
    expect((await runs.get(run.id))?.tasks[0]).toMatchObject({ state: "running", machine: "m2", reason: "attempt 1 failed", attempts: 2 });
  });

  it("writes nothing of a batch that names a task that does not exist", async () => {
    const { runs } = database().db;
    const run = await runs.create(newRun());
    await expect(
      runs.applyChanges({
        runs: [{ runId: run.id, status: "running" }],
        tasks: [{ runId: run.id, taskId: "a", state: "running" }, { runId: run.id, taskId: "ghost", state: "running" }],
      }),
    ).rejects.toThrow(/do not exist/);
    const stored = await runs.get(run.id);
    expect(stored?.run.status).toBe("queued");
    expect(stored?.tasks[0]?.state).toBe("waiting_for_resources");
  });

  it("cuts result previews to 4 KiB at a character boundary", async () => {
    const { runs } = database().db;
    const run = await runs.create(newRun());
    await runs.applyChanges({ tasks: [{ runId: run.id, taskId: "a", state: "succeeded", resultPreview: "é".repeat(5000) }] });
    const preview = (await runs.get(run.id))?.tasks[0]?.resultPreview ?? "";
    expect(Buffer.byteLength(preview, "utf8")).toBeLessThanOrEqual(maxResultPreviewBytes);
    expect(preview).toBe("é".repeat(maxResultPreviewBytes / 2));
  });

  it("writes thousands of task changes in one batch", async () => {
    const { runs } = database().db;
    const tasks = Array.from({ length: 3000 }, (_, i) => ({ taskId: `t${String(i).padStart(4, "0")}`, state: "waiting_for_dependencies" as const }));
    const run = await runs.create(newRun({ tasks }));
    const done = new Date("2026-06-06T00:00:00.000Z");
    await runs.applyChanges({
      tasks: tasks.map((t, i) => ({ runId: run.id, taskId: t.taskId, state: "succeeded" as const, resultSize: i, finishedAt: done })),
      attempts: tasks.map((t) => ({ id: `${run.id}/${t.taskId}#1`, runId: run.id, taskId: t.taskId, number: 1, state: "succeeded" as const })),
    });
    const stored = await runs.get(run.id);
    expect(stored?.tasks.every((t, i) => t.state === "succeeded" && t.resultSize === i && t.finishedAt?.getTime() === done.getTime())).toBe(true);
    expect(await runs.listAttempts(run.id)).toHaveLength(3000);
  });

  it("lists runs newest first, filtered, page by page", async () => {
    const { runs, dags } = database().db;
    const dag = await dags.create({ name: "listed", spec: {}, createdBy: null });
    if (dag.kind !== "created") throw new Error(dag.kind);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const run = await runs.create(newRun({
        dagId: dag.dag.id, dagVersion: 1, status: i % 2 === 0 ? "succeeded" : "failed",
        createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, i)),
      }));
      ids.push(run.id);
    }
    const newestFirst = [...ids].reverse();
    const page1 = await runs.list({ dagId: dag.dag.id, limit: 3 });
    const page2 = await runs.list({ dagId: dag.dag.id, limit: 3, cursor: page1.nextCursor });
    const page3 = await runs.list({ dagId: dag.dag.id, limit: 3, cursor: page2.nextCursor });
    expect([...page1.runs, ...page2.runs, ...page3.runs].map((r) => r.id)).toEqual(newestFirst);
    expect(page3.nextCursor).toBeUndefined();
    expect(page1.runs[0]).not.toHaveProperty("spec");
    const failed = await runs.list({ dagId: dag.dag.id, status: "failed" });
    expect(failed.runs.map((r) => r.id)).toEqual(ids.filter((_, i) => i % 2 === 1).reverse());
    const either = await runs.list({ dagId: dag.dag.id, status: ["failed", "succeeded"] });
    expect(either.runs).toHaveLength(7);
  });

  it("counts each run's tasks by state in one query, inline tasks (never scheduled) apart", async () => {
    const { runs } = database().db;
    const spec = { tasks: [{ id: "a" }, { id: "b", type: "inline" }, { id: "c" }] };
    const run = await runs.create(newRun({ spec }));
    const other = await runs.create(newRun());
    await runs.applyChanges({ tasks: [{ runId: run.id, taskId: "a", state: "succeeded" }] });
    const counts = await runs.countTasks([run.id, other.id, "no-such-run"]);
    expect(counts.get(run.id)).toEqual({ succeeded: 1, inline: 1, waiting_for_dependencies: 1 });
    expect(counts.get(other.id)).toEqual({ waiting_for_resources: 1, waiting_for_dependencies: 2 });
    expect(counts.get("no-such-run")).toEqual({});
    expect((await runs.get(run.id))?.tasks.map((t) => t.inline)).toEqual([false, true, false]);
  });

  it("marks queued and running runs interrupted and leaves finished ones alone", async () => {
    const { runs } = database().db;
    const queued = await runs.create(newRun({ status: "queued" }));
    const running = await runs.create(newRun({ status: "running" }));
    const finished = await runs.create(newRun({ status: "succeeded" }));
    const at = new Date("2026-07-07T07:07:07.007Z");
    const interrupted = await runs.markInterrupted(at);
    expect(interrupted).toEqual(expect.arrayContaining([queued.id, running.id]));
    expect(interrupted).not.toContain(finished.id);
    expect((await runs.get(running.id))?.run).toMatchObject({ status: "interrupted", finishedAt: at });
    expect((await runs.get(finished.id))?.run.status).toBe("succeeded");
    expect(await runs.markInterrupted(at)).toEqual([]);
  });

  it("keeps runs when their DAG is removed, with the link cleared", async () => {
    const { runs, dags } = database().db;
    const dag = await dags.create({ name: "short-lived", spec: {}, createdBy: null });
    if (dag.kind !== "created") throw new Error(dag.kind);
    const run = await runs.create(newRun({ dagId: dag.dag.id, dagVersion: 1 }));
    await dags.remove(dag.dag.id);
    expect((await runs.get(run.id))?.run).toMatchObject({ dagId: null, dagVersion: 1 });
  });
});

describeEachDatabase("when a machine comes back with a new result store", (database) => {
  it("marks lost every result recorded on it under an older store instance, and nothing else", async () => {
    const { runs } = database().db;
    const run = await runs.create(newRun());
    await runs.applyChanges({
      tasks: [
        { runId: run.id, taskId: "a", state: "succeeded", resultMachine: "m1", resultStoreId: "old" },
        { runId: run.id, taskId: "b", state: "succeeded", resultMachine: "m1", resultStoreId: "new" },
        { runId: run.id, taskId: "c", state: "succeeded", resultMachine: "m2", resultStoreId: "old" },
      ],
    });
    const at = new Date("2026-06-06T06:06:06.006Z");
    expect(await runs.markResultsLost("m1", "new", at)).toBe(1);
    expect(await runs.markResultsLost("m1", "new", new Date())).toBe(0);
    const tasks = (await runs.get(run.id))!.tasks;
    expect(tasks.map((t) => [t.taskId, t.lostAt, t.lostMachine])).toEqual([
      ["a", at, "m1"],
      ["b", null, null],
      ["c", null, null],
    ]);
  });

  it("writes a loss queued with a tick's changes after its task changes", async () => {
    const { runs } = database().db;
    const run = await runs.create(newRun());
    const at = new Date("2026-06-06T06:06:07.007Z");
    await runs.applyChanges({
      tasks: [{ runId: run.id, taskId: "a", state: "succeeded", resultMachine: "m1", resultStoreId: "old", lostAt: null }],
      lostStores: [{ machine: "m1", currentStoreId: "new", at }],
    });
    expect((await runs.get(run.id))!.tasks[0]).toMatchObject({ taskId: "a", lostAt: at, lostMachine: "m1" });
  });

  it("finds the newest recompute run of a task, linked to its parent", async () => {
    const { runs } = database().db;
    const parent = await runs.create(newRun());
    expect(await runs.findRecompute(parent.id, "a")).toBeUndefined();
    await runs.create(newRun({ parentRunId: parent.id, reason: "recompute", createdAt: new Date(1000), tasks: [{ taskId: "a", state: "succeeded" }] }));
    const newer = await runs.create(newRun({ parentRunId: parent.id, reason: "recompute", createdAt: new Date(2000), tasks: [{ taskId: "a", state: "running" }] }));
    const found = await runs.findRecompute(parent.id, "a");
    expect(found?.run).toMatchObject({ id: newer.id, parentRunId: parent.id, reason: "recompute" });
    expect(found?.task.state).toBe("running");
    expect(await runs.findRecompute(parent.id, "b")).toBeUndefined();
  });
});
