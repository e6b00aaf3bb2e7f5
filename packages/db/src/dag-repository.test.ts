import { expect, it } from "vitest";
import { describeEachDatabase } from "./testing/describe-each-database.ts";

const spec = (n: number) => ({ tasks: [{ id: "a", function: "std.sum", args: [n] }] });

describeEachDatabase("when DAGs are saved", (database) => {
  it("creates a DAG with its spec as version 1", async () => {
    const { dags } = database().db;
    const created = await dags.create({ name: "etl", description: "nightly", spec: spec(1), createdBy: "alice" });
    if (created.kind !== "created") throw new Error(created.kind);
    expect(created.dag).toMatchObject({ name: "etl", description: "nightly", latestVersion: 1 });
    expect(created.version).toMatchObject({ version: 1, spec: spec(1), createdBy: "alice" });
    expect(await dags.getByName("etl")).toEqual(created.dag);
  });

  it("refuses a second DAG with a taken name, as a value", async () => {
    const { dags } = database().db;
    await dags.create({ name: "dup", spec: spec(1), createdBy: null });
    expect(await dags.create({ name: "dup", spec: spec(2), createdBy: null })).toEqual({ kind: "name_taken", name: "dup" });
  });

  it("numbers new versions latest + 1 and reads any version back", async () => {
    const { dags } = database().db;
    const created = await dags.create({ name: "versions", spec: spec(1), createdBy: "alice" });
    if (created.kind !== "created") throw new Error(created.kind);
    const id = created.dag.id;
    const v2 = await dags.saveVersion(id, { spec: spec(2), createdBy: "bob", description: "now with b" });
    expect(v2).toMatchObject({ kind: "saved", dag: { latestVersion: 2, description: "now with b" }, version: { version: 2, createdBy: "bob" } });
    await dags.saveVersion(id, { spec: spec(3), createdBy: "bob" });
    expect((await dags.listVersions(id)).map((v) => v.version)).toEqual([3, 2, 1]);
    expect((await dags.getVersion(id))?.spec).toEqual(spec(3));
    expect((await dags.getVersion(id, 1))?.spec).toEqual(spec(1));
    expect(await dags.getVersion(id, 9)).toBeUndefined();
  });

  it("gives concurrent saves distinct version numbers", async () => {
    const { dags } = database().db;
    const created = await dags.create({ name: "concurrent", spec: spec(1), createdBy: null });
    if (created.kind !== "created") throw new Error(created.kind);
    const results = await Promise.all(
      [2, 3, 4, 5, 6].map((n) => dags.saveVersion(created.dag.id, { spec: spec(n), createdBy: null })),
    );
    const numbers = results.map((r) => (r.kind === "saved" ? r.version.version : -1)).sort();
    expect(numbers).toEqual([2, 3, 4, 5, 6]);
  });

  it("answers not_found when saving a version of an unknown DAG", async () => {
    const { dags } = database().db;
    expect(await dags.saveVersion("no-such-dag", { spec: spec(1), createdBy: null })).toEqual({ kind: "not_found", dagId: "no-such-dag" });
  });

  it("lists DAGs by name and removes one with its versions", async () => {
    const { dags } = database().db;
    const created = await dags.create({ name: "zz-remove-me", spec: spec(1), createdBy: null });
    if (created.kind !== "created") throw new Error(created.kind);
    const names = (await dags.list()).map((d) => d.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain("zz-remove-me");
    expect(await dags.remove(created.dag.id)).toBe(true);
    expect(await dags.get(created.dag.id)).toBeUndefined();
    expect(await dags.listVersions(created.dag.id)).toEqual([]);
  });
});
