import { TERMINAL_TASK_STATES, TaskState } from "@handoff/core";
import { describe, expect, it } from "vitest";
import { TASK_STATES, isTaskState, taskStateStyle } from "./task-states.ts";

describe("task state styles", () => {
  it("cover every state of the catalogue, each with its own colour", () => {
    expect(new Set(TASK_STATES)).toEqual(new Set(Object.values(TaskState)));
    const colours = TASK_STATES.map((state) => taskStateStyle(state).color);
    expect(new Set(colours).size).toBe(colours.length);
  });
  it("agree with the core on which states are terminal", () => {
    for (const state of TASK_STATES) expect(taskStateStyle(state).isTerminal).toBe(TERMINAL_TASK_STATES.has(state));
  });
  it("recognise state names exactly as they travel", () => {
    expect(isTaskState("upstream_failed")).toBe(true);
    expect(isTaskState("upstream-failed")).toBe(false);
  });
});
