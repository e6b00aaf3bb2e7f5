import { describe, expect, it } from "vitest";
import { importDagText } from "./import-dag-text.ts";

describe("importDagText", () => {
  it("opens a file with positions as it was drawn", () => {
    const text = JSON.stringify({ format: "handoff.dag", version: 1, name: "d", tasks: [{ id: "a", fn: "std.constant", position: { x: 5, y: 6 } }] });
    const result = importDagText(text);
    expect(result.ok && result.file.tasks[0]!.position).toEqual({ x: 5, y: 6 });
  });
  it("lays out tasks saved without positions", () => {
    const text = JSON.stringify({ format: "handoff.dag", version: 1, name: "d", tasks: [{ id: "a", fn: "f" }, { id: "b", fn: "f", args: ["a"] }] });
    const result = importDagText(text);
    expect(result.ok && result.file.tasks.map((task) => task.position!.x)).toEqual([0, 280]);
  });
  it("lists every schema issue with its path and task", () => {
    const text = JSON.stringify({ format: "handoff.dag", version: 1, name: "d", tasks: [{ id: "a", fn: "f", cost: { cpu: "two" } }], extra: 1 });
    const result = importDagText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('task "a"');
      expect(result.message.split("\n").length).toBeGreaterThanOrEqual(2);
    }
  });
  it("explains text that is not JSON", () => {
    const result = importDagText("{nope");
    expect(result.ok === false && result.message.startsWith("not valid JSON")).toBe(true);
  });
});
