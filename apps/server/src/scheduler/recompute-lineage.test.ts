import { describe, expect, it } from "vitest";
import { DagFile } from "@handoff/protocol";
import { lineageFile } from "./recompute-lineage.ts";

const file = DagFile.parse({
  format: "handoff.dag",
  version: 1,
  name: "lineage",
  tasks: [
    { id: "a", fn: "f" },
    { id: "b", fn: "f", args: ["a"] },
    { id: "other", fn: "f" },
    { id: "inl", fn: "f", type: "inline", args: ["b"] },
    { id: "c", fn: "f", args: [{ from: "inl" }] },
    { id: "d", fn: "f", args: ["other"] },
    { id: "e", fn: "f", placement: { kind: "collocated", with: "d" } },
    { id: "sink", fn: "f", args: ["c", "a"] },
  ],
});

describe("lineageFile", () => {
  it("keeps the task and everything upstream of it (through inline tasks), in the file's order", () => {
    const got = lineageFile(file, "sink");
    expect(got.ok && got.file.tasks.map((task) => task.id)).toEqual(["a", "b", "inl", "c", "sink"]);
    expect(got.ok && DagFile.safeParse(got.file).success).toBe(true);
  });

  it("keeps the task a collocated one must run with, and that task's lineage", () => {
    const got = lineageFile(file, "e");
    expect(got.ok && got.file.tasks.map((task) => task.id)).toEqual(["other", "d", "e"]);
  });

  it("names an unknown task and refuses an inline one", () => {
    expect(lineageFile(file, "nope")).toEqual({ ok: false, error: { kind: "not_found", message: 'the run\'s DAG has no task "nope"' } });
    expect(lineageFile(file, "inl")).toMatchObject({ ok: false, error: { kind: "precondition_failed" } });
  });
});
