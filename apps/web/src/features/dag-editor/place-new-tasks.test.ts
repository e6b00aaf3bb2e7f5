import type { DagFile } from "@handoff/protocol";
import { describe, expect, it } from "vitest";
import { addTask, copyTasks, pasteTasks } from "./dag-edits.ts";
import { placeNewTask, placePasted } from "./place-new-tasks.ts";

const overlap = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.abs(a.x - b.x) < 200 && Math.abs(a.y - b.y) < 84;
const allApart = (file: DagFile) => {
  const at = file.tasks.map((task) => task.position!);
  for (let i = 0; i < at.length; i++) for (let j = i + 1; j < at.length; j++) expect(overlap(at[i]!, at[j]!), `${file.tasks[i]!.id} over ${file.tasks[j]!.id}`).toBe(false);
};

describe("when the palette adds a function twice at the same spot", () => {
  it("puts the second card beside the first, not on top of it", () => {
    let file: DagFile = { format: "handoff.dag", version: 1, name: "x", tasks: [] };
    for (let i = 0; i < 6; i++) file = addTask(file, "std.sum", placeNewTask(file, { x: 100, y: 100 })).file;
    allApart(file);
  });
});

describe("when tasks are pasted twice", () => {
  it("places each copy where it overlaps no card", () => {
    let file: DagFile = { format: "handoff.dag", version: 1, name: "x", tasks: [{ id: "a", fn: "std.sum", position: { x: 0, y: 0 } }, { id: "b", fn: "std.sum", args: ["a"], position: { x: 280, y: 0 } }] };
    const clipboard = copyTasks(file, new Set(["a", "b"]));
    for (let i = 0; i < 3; i++) file = pasteTasks(file, clipboard, placePasted(file, clipboard, { x: 40, y: 40 })).file;
    expect(file.tasks).toHaveLength(8);
    allApart(file);
  });
});
