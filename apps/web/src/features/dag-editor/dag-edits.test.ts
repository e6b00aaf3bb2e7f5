import { describe, expect, it } from "vitest";
import type { DagFile } from "@handoff/protocol";
import { addTask, connectArg, copyTasks, moveArg, pasteTasks, removeEdges, removeTasks, renameTask, setEdgeTransform, uniqueTaskId } from "./dag-edits.ts";

function dag(tasks: DagFile["tasks"]): DagFile {
  return { format: "handoff.dag", version: 1, name: "test", tasks };
}

const diamond = dag([
  { id: "src", fn: "std.constant", extraArgs: [1] },
  { id: "left", fn: "demo.double", args: ["src"] },
  { id: "right", fn: "demo.double", args: ["src"], placement: { kind: "collocated", with: "left" } },
  { id: "join", fn: "std.sum", args: ["left", "right"] },
]);

describe("uniqueTaskId and addTask", () => {
  it("names a new task after its function, numbering repeats", () => {
    expect(uniqueTaskId("sum", new Set(["sum", "sum_2"]))).toBe("sum_3");
    const first = addTask(dag([]), "std.sum", { x: 10.4, y: 20.6 }, { cpu: 1 });
    const second = addTask(first.file, "std.sum", { x: 0, y: 0 });
    expect(first.file.tasks[0]).toEqual({ id: "sum", fn: "std.sum", position: { x: 10, y: 21 }, cost: { cpu: 1 } });
    expect(second.taskId).toBe("sum_2");
  });
});

describe("connectArg", () => {
  it("appends a new input as the last argument", () => {
    const result = connectArg(diamond, "src", "join", "in-new");
    expect(result.ok && result.file.tasks[3]!.args).toEqual(["left", "right", "src"]);
  });
  it("replaces the argument whose port it was dropped on", () => {
    const result = connectArg(diamond, "src", "join", "in-1");
    expect(result.ok && result.file.tasks[3]!.args).toEqual(["left", "src"]);
  });
  it("refuses a connection that closes a cycle, naming the path", () => {
    const result = connectArg(diamond, "join", "src", "in-new");
    expect(result).toEqual({ ok: false, message: 'connecting "join" → "src" would close a cycle: join → src → left → join' });
  });
  it("refuses unknown tasks", () => {
    expect(connectArg(diamond, "ghost", "join", null)).toEqual({ ok: false, message: 'there is no task "ghost"' });
  });
});

describe("argument order", () => {
  it("moves an argument to a new position", () => {
    expect(moveArg(diamond, "join", 1, 0).tasks[3]!.args).toEqual(["right", "left"]);
  });
  it("keeps transforms with the argument and drops the object form once both are cleared", () => {
    const encoded = setEdgeTransform(diamond, "join", 1, "encode", { fn: "std.gzip", args: [6] });
    expect(encoded.tasks[3]!.args).toEqual(["left", { from: "right", encode: { fn: "std.gzip", args: [6] } }]);
    expect(moveArg(encoded, "join", 1, 0).tasks[3]!.args![0]).toEqual({ from: "right", encode: { fn: "std.gzip", args: [6] } });
    expect(setEdgeTransform(encoded, "join", 1, "encode", undefined).tasks[3]!.args).toEqual(["left", "right"]);
  });
});

describe("deleting", () => {
  it("removes a task, the arguments that read it and collocations with it", () => {
    const file = removeTasks(diamond, new Set(["left"]));
    expect(file.tasks.map((task) => task.id)).toEqual(["src", "right", "join"]);
    expect(file.tasks[1]!.placement).toEqual({ kind: "auto" });
    expect(file.tasks[2]!.args).toEqual(["right"]);
  });
  it("removes edges by consumer and position, dropping an empty args list", () => {
    const file = removeEdges(diamond, [{ target: "join", index: 0 }, { target: "join", index: 1 }, { target: "left", index: 0 }]);
    expect(file.tasks[3]).not.toHaveProperty("args");
    expect(file.tasks[1]).not.toHaveProperty("args");
  });
});

describe("renameTask", () => {
  it("renames every reference", () => {
    const result = renameTask(diamond, "left", "west");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.file.tasks[1]!.id).toBe("west");
    expect(result.file.tasks[2]!.placement).toEqual({ kind: "collocated", with: "west" });
    expect(result.file.tasks[3]!.args).toEqual(["west", "right"]);
  });
  it("refuses a taken or empty id", () => {
    expect(renameTask(diamond, "left", "right")).toEqual({ ok: false, message: 'task id "right" is already used' });
    expect(renameTask(diamond, "left", "  ")).toEqual({ ok: false, message: "a task id must not be empty" });
  });
});

describe("copy and paste", () => {
  it("keeps edges inside the selection under fresh ids and drops edges from outside", () => {
    const clipboard = copyTasks(diamond, new Set(["left", "join"]));
    expect(clipboard.map((task) => task.args)).toEqual([undefined, ["left"]]);
    const { file, taskIds } = pasteTasks(diamond, clipboard, { x: 40, y: 40 });
    expect(taskIds).toEqual(["left_2", "join_2"]);
    expect(file.tasks[5]).toMatchObject({ id: "join_2", args: ["left_2"], position: { x: 40, y: 40 } });
  });
});
