import type { DagFile } from "@handoff/protocol";
import { describe, expect, it } from "vitest";
import { dagToFlow } from "./dag-to-flow.ts";
import { createStableFlowElements } from "./stable-flow-elements.ts";

const file: DagFile = { format: "handoff.dag", version: 1, name: "d", tasks: [{ id: "a", fn: "std.constant", position: { x: 0, y: 0 } }, { id: "b", fn: "std.identity", args: ["a"], position: { x: 300, y: 0 } }] };

describe("createStableFlowElements", () => {
  it("keeps a node's object while its task, selection and size are unchanged", () => {
    const stable = createStableFlowElements();
    const first = dagToFlow(file).nodes.map((node) => stable.node(node, false, { width: 200, height: 64 }));
    const again = dagToFlow(file).nodes.map((node) => stable.node(node, false, { width: 200, height: 64 }));
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);
  });

  it("gives a new object to the node whose selection, size or task changed, only to it", () => {
    const stable = createStableFlowElements();
    const [a, b] = dagToFlow(file).nodes.map((node) => stable.node(node, false, undefined));
    const [a2, b2] = dagToFlow(file).nodes.map((node) => stable.node(node, node.id === "b", node.id === "a" ? { width: 1, height: 2 } : undefined));
    expect(a2).not.toBe(a);
    expect(a2!.measured).toEqual({ width: 1, height: 2 });
    expect(b2).not.toBe(b);
    expect(b2!.selected).toBe(true);
    const moved: DagFile = { ...file, tasks: [file.tasks[0]!, { ...file.tasks[1]!, position: { x: 5, y: 5 } }] };
    const [a3, b3] = dagToFlow(moved).nodes.map((node) => stable.node(node, node.id === "b", node.id === "a" ? { width: 1, height: 2 } : undefined));
    expect(a3).toBe(a2);
    expect(b3!.position).toEqual({ x: 5, y: 5 });
  });

  it("keeps an edge's object while its target task and selection are unchanged", () => {
    const stable = createStableFlowElements();
    const target = file.tasks[1]!;
    const [edge] = dagToFlow(file).edges.map((e) => stable.edge(e, target, false));
    const [same] = dagToFlow(file).edges.map((e) => stable.edge(e, target, false));
    const [selected] = dagToFlow(file).edges.map((e) => stable.edge(e, target, true));
    expect(same).toBe(edge);
    expect(selected).not.toBe(edge);
    expect(selected!.selected).toBe(true);
  });
});
