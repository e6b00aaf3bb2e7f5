import { describe, expect, it } from "vitest";
import { parseDagFile } from "@handoff/protocol";
import { Dag, edge } from "./dag-builder.ts";
import { DagFileError, DuplicateTaskError } from "./dag-file-error.ts";

function doubling(): Dag {
  return new Dag("double", { description: "42 × 2", strategy: "load_balanced" })
    .addTask({ id: "source", fn: "std.constant", extraArgs: [42], position: { x: 0, y: 0 }, label: "Source" })
    .addTask({ id: "double", fn: "std.multiply", args: ["source"], extraArgs: [2], cost: { cpu: 1 } });
}

describe("when a DAG is built in code", () => {
  it("keeps tasks in the order they were added and finds them by id", () => {
    const dag = doubling();
    expect(dag.tasks.map((t) => t.id)).toEqual(["source", "double"]);
    expect(dag.task("double")?.fn).toBe("std.multiply");
    expect(dag.task("nope")).toBeUndefined();
  });

  it("generates a name when none is given", () => {
    const a = new Dag();
    const b = new Dag();
    expect(a.name).toMatch(/^dag-[0-9a-f]{8}$/);
    expect(a.name).not.toBe(b.name);
  });

  it("refuses a name over 200 characters", () => {
    expect(() => new Dag("n".repeat(201))).toThrow(RangeError);
  });

  it("refuses a second task with the same id instead of replacing the first", () => {
    const dag = doubling();
    expect(() => dag.addTask({ id: "source", fn: "std.identity" })).toThrow(DuplicateTaskError);
    expect(dag.task("source")?.fn).toBe("std.constant");
  });

  it("refuses a malformed task at add time, naming the task and field", () => {
    const bad = { id: "bad", fn: "std.sum", cost: { cpu: "2" } } as unknown as Parameters<Dag["addTask"]>[0];
    expect(() => new Dag("d").addTask(bad)).toThrow(/task "bad": cost\.cpu: expected number, got string/);
  });

  it("does not change when the caller mutates the object it added", () => {
    const task = { id: "a", fn: "std.constant", extraArgs: [{ n: 1 }] };
    const dag = new Dag("d").addTask(task);
    (task.extraArgs[0] as { n: number }).n = 2;
    expect(dag.task("a")?.extraArgs).toEqual([{ n: 1 }]);
  });
});

describe("when a DAG is written and read back", () => {
  it("writes a valid versioned DAG file", () => {
    const file = JSON.parse(JSON.stringify(doubling())) as unknown;
    expect(file).toMatchObject({ format: "handoff.dag", version: 1, name: "double", description: "42 × 2", strategy: "load_balanced" });
    expect(parseDagFile(file).ok).toBe(true);
  });

  it("reads back the same DAG, editor fields included", () => {
    const dag = doubling();
    const back = Dag.fromJSON(JSON.parse(JSON.stringify(dag)));
    expect(back.toJSON()).toEqual(dag.toJSON());
    expect(back.task("source")?.position).toEqual({ x: 0, y: 0 });
  });

  it("drops editor-only fields from the run-time spec", () => {
    expect(doubling().toSpec()).toEqual({
      tasks: [
        { id: "source", fn: "std.constant", extraArgs: [42] },
        { id: "double", fn: "std.multiply", args: ["source"], extraArgs: [2], cost: { cpu: 1 } },
      ],
    });
  });

  it("throws a DagFileError listing every issue of a bad file", () => {
    const input = { format: "handoff.dag", version: 1, name: "", tasks: [{ id: "a", fn: "std.sum", maxRetries: -1 }, { id: "a", fn: "std.sum" }] };
    let caught: unknown;
    try {
      Dag.fromJSON(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DagFileError);
    expect((caught as DagFileError).issues.map((i) => i.path)).toEqual(["name", "tasks[0].maxRetries", "tasks[1].id"]);
    expect((caught as DagFileError).message).toMatch(/task "a": maxRetries/);
  });
});

describe("when a DAG is validated", () => {
  it("finds no problem in a sound DAG", () => {
    expect(doubling().validate()).toEqual([]);
  });

  it("reports a missing producer and a cycle with their tasks", () => {
    const dag = new Dag("broken")
      .addTask({ id: "a", fn: "std.identity", args: ["ghost"] })
      .addTask({ id: "b", fn: "std.identity", args: ["c"] })
      .addTask({ id: "c", fn: "std.identity", args: ["b"] });
    const problems = dag.validate();
    expect(problems).toContainEqual(expect.objectContaining({ kind: "missing_task", taskId: "a", dependsOn: "ghost" }));
    expect(problems.some((p) => p.kind === "cycle")).toBe(true);
  });
});

describe("when an edge is described", () => {
  it("accepts transform names or full transforms and leaves absent ones out", () => {
    expect(edge("a")).toEqual({ from: "a" });
    expect(edge("a", { encode: "std.identity_edge" })).toEqual({ from: "a", encode: { fn: "std.identity_edge" } });
    expect(edge("a", { encode: { fn: "std.pick", args: ["width"] }, decode: "std.identity_edge" })).toEqual({
      from: "a",
      encode: { fn: "std.pick", args: ["width"] },
      decode: { fn: "std.identity_edge" },
    });
  });

  it("can be used as a task argument and survives the file format", () => {
    const dag = new Dag("edges")
      .addTask({ id: "img", fn: "std.constant", extraArgs: [{ width: 3 }] })
      .addTask({ id: "w", fn: "std.identity", args: [edge("img", { encode: { fn: "std.pick", args: ["width"] } })] });
    expect(Dag.fromJSON(dag.toJSON()).toSpec()).toEqual(dag.toSpec());
    expect(dag.validate()).toEqual([]);
  });
});
