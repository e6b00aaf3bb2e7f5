import { Position, type InternalNode } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { cardHandles, withMeasuredHandles } from "./known-handles.ts";

const measuredHandle = { id: "in-0", type: "target" as const, nodeId: "a", position: Position.Left, x: -6, y: 14, width: 9, height: 9 };
const lookup = new Map<string, Pick<InternalNode, "internals">>([["a", { internals: { positionAbsolute: { x: 0, y: 0 }, z: 0, userNode: { id: "a", position: { x: 0, y: 0 }, data: {} }, handleBounds: { target: [measuredHandle], source: null } } }]]);

describe("cardHandles", () => {
  it("places the input ports down the left side and the output halfway down the right", () => {
    const handles = cardHandles("b", ["in-0", "in-1"], { width: 200, height: 100 }, lookup);
    expect(handles).toEqual([
      { id: "in-0", type: "target", position: Position.Left, x: -4.5, y: 15.5, width: 9, height: 9 },
      { id: "in-1", type: "target", position: Position.Left, x: -4.5, y: 31.5, width: 9, height: 9 },
      { id: "out", type: "source", position: Position.Right, x: 195.5, y: 45.5, width: 9, height: 9 },
    ]);
  });

  it("answers what React Flow measured when it has measured the card", () => {
    expect(cardHandles("a", ["in-0", "in-1"], { width: 200, height: 100 }, lookup)).toEqual([measuredHandle]);
  });
});

describe("withMeasuredHandles", () => {
  it("gives a node made new the measured handles, and leaves the others as they are", () => {
    const estimate = cardHandles("x", ["in-0"], { width: 200, height: 64 }, new Map());
    const previous = [{ id: "a", handles: estimate }, { id: "c", handles: estimate }, { id: "d" }];
    const next = [{ ...previous[0]!, selected: true }, previous[1]!, { ...previous[2]!, selected: true }];
    const updated = withMeasuredHandles(next, previous, lookup);
    expect(updated[0]!.handles).toEqual([measuredHandle]);
    expect(updated[1]).toBe(previous[1]);
    expect(updated[2]).toBe(next[2]);
  });

  it("keeps the estimate of a node made new that React Flow never measured", () => {
    const estimate = cardHandles("b", ["in-0"], { width: 200, height: 64 }, new Map());
    const previous = [{ id: "b", handles: estimate }];
    const next = [{ ...previous[0]!, selected: true }];
    expect(withMeasuredHandles(next, previous, lookup)[0]).toBe(next[0]);
  });
});
