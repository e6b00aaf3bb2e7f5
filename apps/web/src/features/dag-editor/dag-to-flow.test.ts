import { describe, expect, it } from "vitest";
import { parseDagFile, type DagFile } from "@handoff/protocol";
import { dagToFlow, flowToDag } from "./dag-to-flow.ts";

const file: DagFile = {
  format: "handoff.dag",
  version: 1,
  name: "diamond",
  description: "a diamond",
  strategy: "load_balanced",
  tasks: [
    { id: "src", fn: "std.constant", extraArgs: [[1, 2, 3]], position: { x: 0, y: 100 } },
    { id: "left", fn: "demo.double", args: ["src"], cost: { cpu: 1 }, position: { x: 240, y: 0 } },
    { id: "right", fn: "demo.double", args: [{ from: "src", encode: { fn: "std.gzip", args: [6] } }], position: { x: 240, y: 200 } },
    { id: "join", fn: "std.sum", args: ["right", "left"], position: { x: 480, y: 100 } },
    { id: "all", fn: "std.collect", argumentInclusion: "as_list", args: ["left", "right", "join"], position: { x: 720, y: 100 } },
  ],
};

describe("dagToFlow", () => {
  const { nodes, edges } = dagToFlow(file);

  it("draws one node per task at its saved position", () => {
    expect(nodes.map((node) => [node.id, node.position])).toEqual(file.tasks.map((task) => [task.id, task.position]));
  });

  it("draws each input into the port of its argument position", () => {
    const join = edges.filter((edge) => edge.target === "join");
    expect(join.map((edge) => [edge.source, edge.targetHandle, edge.data?.index])).toEqual([
      ["right", "in-0", 0],
      ["left", "in-1", 1],
    ]);
  });

  it("collects every input of an as_list task in one port, keeping the order", () => {
    const all = edges.filter((edge) => edge.target === "all");
    expect(all.map((edge) => [edge.source, edge.targetHandle, edge.data?.index])).toEqual([
      ["left", "in-list", 0],
      ["right", "in-list", 1],
      ["join", "in-list", 2],
    ]);
  });

  it("puts edge transforms on the edge", () => {
    expect(edges.find((edge) => edge.target === "right")?.data).toEqual({ index: 0, encode: { fn: "std.gzip", args: [6] } });
  });

  it("draws no edge for an input naming a missing task", () => {
    const broken: DagFile = { ...file, tasks: [{ id: "x", fn: "f", args: ["ghost"] }] };
    expect(dagToFlow(broken).edges).toEqual([]);
  });

  it("places tasks without a position with the fallback", () => {
    const bare: DagFile = { ...file, tasks: [{ id: "x", fn: "f" }] };
    expect(dagToFlow(bare, () => ({ x: 7, y: 9 })).nodes[0]!.position).toEqual({ x: 7, y: 9 });
  });
});

describe("flowToDag", () => {
  it("gives back the same file (a saved DAG reopens as it was drawn)", () => {
    const { tasks: _tasks, ...meta } = file;
    const { nodes, edges } = dagToFlow(file);
    const back = flowToDag(meta, nodes, edges);
    expect(back).toEqual(file);
    expect(parseDagFile(back).ok).toBe(true);
  });

  it("orders arguments by edge position whatever the edge order, and keeps moved positions", () => {
    const { tasks: _tasks, ...meta } = file;
    const { nodes, edges } = dagToFlow(file);
    const moved = nodes.map((node) => (node.id === "src" ? { ...node, position: { x: 10.6, y: -3.2 } } : node));
    const back = flowToDag(meta, moved, [...edges].reverse());
    expect(back.tasks[3]!.args).toEqual(["right", "left"]);
    expect(back.tasks[0]!.position).toEqual({ x: 11, y: -3 });
  });
});
