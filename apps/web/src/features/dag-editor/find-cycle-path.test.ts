import { describe, expect, it } from "vitest";
import { describeCycle, findCyclePath } from "./find-cycle-path.ts";

const chain = [
  { id: "a" },
  { id: "b", args: ["a"] },
  { id: "c", args: [{ from: "b", encode: { fn: "std.identity" } }] },
  { id: "d" },
];

describe("findCyclePath", () => {
  it("allows a connection that keeps the graph acyclic", () => {
    expect(findCyclePath(chain, "c", "d")).toBeNull();
    expect(findCyclePath(chain, "a", "c")).toBeNull();
  });
  it("returns the whole cycle a closing connection would make, through edges with transforms", () => {
    expect(findCyclePath(chain, "c", "a")).toEqual(["c", "a", "b", "c"]);
  });
  it("refuses a task consuming itself", () => {
    expect(findCyclePath(chain, "b", "b")).toEqual(["b", "b"]);
  });
  it("finds a short path through a diamond", () => {
    const diamond = [{ id: "s" }, { id: "l", args: ["s"] }, { id: "r", args: ["s"] }, { id: "j", args: ["l", "r"] }];
    expect(findCyclePath(diamond, "j", "s")).toEqual(["j", "s", "l", "j"]);
  });
});

describe("describeCycle", () => {
  it("names both ends and the path", () => {
    expect(describeCycle(["c", "a", "b", "c"])).toBe('connecting "c" → "a" would close a cycle: c → a → b → c');
  });
  it("explains a self-connection", () => {
    expect(describeCycle(["b", "b"])).toBe('"b" cannot take its own result as an input');
  });
});
