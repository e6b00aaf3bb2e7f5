import { describe, expect, it } from "vitest";
import { autoLayout } from "./auto-layout.ts";

const options = { nodeWidth: 100, nodeHeight: 40, gapX: 50, gapY: 10 };

describe("autoLayout", () => {
  it("puts every task one layer right of its furthest producer", () => {
    const positions = autoLayout(
      [
        { id: "a" },
        { id: "b", args: ["a"] },
        { id: "c", args: ["b"] },
        { id: "d", args: ["a", "c"] },
      ],
      options,
    );
    expect([...positions].map(([id, p]) => [id, p.x])).toEqual([
      ["a", 0],
      ["b", 150],
      ["c", 300],
      ["d", 450],
    ]);
  });

  it("stacks a layer's tasks and centres smaller layers", () => {
    const positions = autoLayout(
      [
        { id: "s" },
        { id: "l", args: ["s"] },
        { id: "r", args: ["s"] },
        { id: "j", args: ["l", "r"] },
      ],
      options,
    );
    expect(positions.get("l")).toEqual({ x: 150, y: 0 });
    expect(positions.get("r")).toEqual({ x: 150, y: 50 });
    expect(positions.get("s")).toEqual({ x: 0, y: 25 });
    expect(positions.get("j")).toEqual({ x: 300, y: 25 });
  });

  it("orders a layer after its producers to avoid crossings", () => {
    const positions = autoLayout(
      [
        { id: "p1" },
        { id: "p2" },
        { id: "c2", args: ["p2"] },
        { id: "c1", args: ["p1"] },
      ],
      options,
    );
    expect(positions.get("c1")!.y).toBeLessThan(positions.get("c2")!.y);
  });

  it("terminates on a cycle and on inputs naming missing tasks", () => {
    const positions = autoLayout([
      { id: "a", args: ["c", "ghost"] },
      { id: "b", args: ["a"] },
      { id: "c", args: ["b"] },
    ]);
    expect(positions.size).toBe(3);
    expect(new Set([...positions.values()].map((p) => p.x)).size).toBe(3);
  });

  it("lays out a long chain without running out of stack", () => {
    const tasks = Array.from({ length: 5000 }, (_, i) => (i === 0 ? { id: "t0" } : { id: `t${i}`, args: [`t${i - 1}`] }));
    const positions = autoLayout(tasks, options);
    expect(positions.get("t4999")!.x).toBe(4999 * 150);
  });
});
