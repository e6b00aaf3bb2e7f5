import type { DagFile } from "@handoff/protocol";
import { describe, expect, it } from "vitest";
import { diffDags, isSameDag } from "./dag-diff.ts";

const v1: DagFile = {
  format: "handoff.dag",
  version: 1,
  name: "d",
  tasks: [
    { id: "a", fn: "std.constant", extraArgs: [1], position: { x: 0, y: 0 } },
    { id: "b", fn: "std.identity", args: ["a"], position: { x: 100, y: 0 } },
    { id: "gone", fn: "std.constant", extraArgs: [2] },
  ],
};

describe("the difference between two versions of a DAG", () => {
  it("names the tasks added, removed, changed field by field, and only moved", () => {
    const v2: DagFile = {
      ...v1,
      strategy: "load_balanced",
      tasks: [
        { id: "a", fn: "std.constant", extraArgs: [5], position: { x: 0, y: 0 } },
        { id: "b", fn: "std.identity", args: ["a"], position: { x: 300, y: 40 } },
        { id: "new", fn: "std.sum", args: ["a", "b"] },
      ],
    };
    expect(diffDags(v1, v2)).toEqual({
      added: ["new"],
      removed: ["gone"],
      changed: [{ taskId: "a", fields: [{ field: "extraArgs", before: "[1]", after: "[5]" }] }],
      moved: ["b"],
      dag: [{ field: "strategy", before: undefined, after: '"load_balanced"' }],
    });
  });

  it("is empty between a version and itself", () => {
    expect(isSameDag(diffDags(v1, structuredClone(v1)))).toBe(true);
  });
});
