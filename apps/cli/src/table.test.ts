import { describe, expect, it } from "vitest";
import { table, wrapText } from "./table.ts";

describe("when a cell is longer than its column", () => {
  it("wraps an error over several lines and drops nothing (the run summary once cut errors at 60 characters)", () => {
    const error = "invalid_argument: std.concat: all is not iterable (got a number at args[0]; expected an array of arrays)";
    const wrapped = wrapText(error, 40);
    expect(wrapped.split("\n").every((line) => line.length <= 40)).toBe(true);
    expect(wrapped.replaceAll("\n", " ")).toBe(error);
    const out = table(["task", "error"], [["sink", wrapped]]);
    expect(out.replace(/\s+/g, " ")).toContain(error.replace(/\s+/g, " ").split(" ").slice(-3).join(" "));
    expect(out.split("\n")).toHaveLength(2 + wrapped.split("\n").length);
  });

  it("cuts a word longer than the width instead of losing it", () => {
    expect(wrapText("x".repeat(10), 4)).toBe("xxxx\nxxxx\nxx");
  });
});
