import { describe, expect, it } from "vitest";
import { MAX_FOUND, findTasks } from "./find-tasks.ts";

const tasks = [
  { id: "total", fn: "std.sum" },
  { id: "load_sum", fn: "io.read" },
  { id: "sum", fn: "std.identity" },
  { id: "sum_2", fn: "std.identity", label: "Second sum" },
  { id: "resize", fn: "image.resize", label: "Thumbnails" },
];

describe("findTasks", () => {
  it("ranks the exact id first, then id prefixes, id substrings, then functions", () => {
    expect(findTasks(tasks, "sum").map((t) => t.id)).toEqual(["sum", "sum_2", "load_sum", "total"]);
  });
  it("finds by function name, with or without its namespace, ignoring case", () => {
    expect(findTasks(tasks, "IDENTITY").map((t) => t.id)).toEqual(["sum", "sum_2"]);
    expect(findTasks(tasks, "image.").map((t) => t.id)).toEqual(["resize"]);
  });
  it("finds by label", () => {
    expect(findTasks(tasks, "thumb").map((t) => t.id)).toEqual(["resize"]);
  });
  it("lists at most MAX_FOUND tasks", () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ id: `t${i}`, fn: "std.sum" }));
    expect(findTasks(many, "t")).toHaveLength(MAX_FOUND);
    expect(findTasks(many, "")).toHaveLength(MAX_FOUND);
  });
});
