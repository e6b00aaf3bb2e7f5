import { describe, expect, it } from "vitest";
import { isLineageEdge, lineageRoles } from "./lineage.ts";

// a → b → c, x → c, y unrelated; d reads c.
const tasks = [{ id: "a" }, { id: "x" }, { id: "b", args: ["a"] }, { id: "c", args: ["b", { from: "x" }] }, { id: "d", args: ["c"] }, { id: "y" }];

describe("lineageRoles", () => {
  it("marks what feeds the selection upstream, what reads it downstream, and dims the rest", () => {
    const roles = lineageRoles(tasks, new Set(["b"]));
    expect(Object.fromEntries(roles)).toEqual({ a: "upstream", x: "dim", b: "focus", c: "downstream", d: "downstream", y: "dim" });
  });
  it("follows transform edges and unions several focused tasks", () => {
    const roles = lineageRoles(tasks, new Set(["c", "y"]));
    expect(roles.get("x")).toBe("upstream");
    expect(roles.get("a")).toBe("upstream");
    expect(roles.get("y")).toBe("focus");
    expect(roles.get("d")).toBe("downstream");
  });
  it("highlights nothing without a selection", () => {
    expect(lineageRoles(tasks, new Set()).size).toBe(0);
  });
  it("walks a 20,000-task chain without overflowing the stack", () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => (i === 0 ? { id: "t0" } : { id: `t${i}`, args: [`t${i - 1}`] }));
    const roles = lineageRoles(chain, new Set(["t10000"]));
    expect(roles.get("t0")).toBe("upstream");
    expect(roles.get("t19999")).toBe("downstream");
  });
});

describe("isLineageEdge", () => {
  it("keeps edges on a highlighted path only", () => {
    expect(isLineageEdge("upstream", "focus")).toBe(true);
    expect(isLineageEdge("focus", "downstream")).toBe(true);
    expect(isLineageEdge("upstream", "downstream")).toBe(false);
    expect(isLineageEdge("dim", "focus")).toBe(false);
    expect(isLineageEdge(undefined, "focus")).toBe(false);
  });
});
