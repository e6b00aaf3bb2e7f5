import { expect, it } from "vitest";
import { describeEachDatabase } from "./testing/describe-each-database.ts";
import type { NewRun } from "./run-records.ts";

const run = (overrides: Partial<NewRun> = {}): NewRun => ({
  dagId: null,
  dagVersion: null,
  spec: { tasks: [{ id: "$param:n", fn: "std.constant", extraArgs: [3] }, { id: "a", args: ["$param:n"] }] },
  options: {},
  status: "queued",
  startedBy: "alice",
  tasks: [{ taskId: "a", state: "waiting_for_dependencies" }],
  ...overrides,
});

describeEachDatabase("when a run has parameters (migration 0010)", (database) => {
  it("keeps the values it ran with and the DAG as written, and lists it without the template", async () => {
    const { runs } = database().db;
    const template = { tasks: [{ id: "a", args: [{ param: "n" }] }], params: { n: { type: "integer" } } };
    const created = await runs.create(run({ params: { n: 3, label: "é" }, template }));
    const stored = await runs.get(created.id);
    expect(stored?.run.params).toEqual({ n: 3, label: "é" });
    expect(stored?.run.template).toEqual(template);
    const listed = (await runs.list({ limit: 10 })).runs.find((summary) => summary.id === created.id);
    expect(listed?.params).toEqual({ n: 3, label: "é" });
    expect(listed).not.toHaveProperty("template");
  });

  it("stores null for a run without parameters", async () => {
    const { runs } = database().db;
    const created = await runs.create(run());
    expect((await runs.get(created.id))?.run).toMatchObject({ params: null, template: null });
  });
});
