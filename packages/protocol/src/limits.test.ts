import { describe, expect, it } from "vitest";
import { AgentHello, decodeValue, encodeValue, parseDagFile, ValueCodecError, ValueFrame } from "./index.ts";

const file = (task: Record<string, unknown>) => ({ format: "handoff.dag", version: 1, name: "limits", tasks: [{ id: "t", fn: "std.sum", ...task }] });
const messages = (input: unknown) => {
  const parsed = parseDagFile(input);
  return parsed.ok ? [] : parsed.issues.map((issue) => `${issue.path}: ${issue.message}`);
};
function deep(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}
const hello = (capacity: Record<string, number>) => ({ v: 1, name: "m", capacity, functions: [], agentVersion: "1", resultUrl: "http://127.0.0.1:1/", identity: { publicKey: "k", signature: "s" } });

describe("the DAG file holds core's bounds (issue 10 §3)", () => {
  it.each([
    [{ timeoutMs: 3e9 }, "tasks[0].timeoutMs"],
    [{ maxRetries: 1e9 }, "tasks[0].maxRetries"],
    [{ retryBackoff: { initialMs: 1, factor: 1e308 } }, "tasks[0].retryBackoff.factor"],
    [{ cost: { memory: 1e308 } }, "tasks[0].cost.memory"],
  ])("rejects %o at %s, naming the task", (task, path) => {
    expect(messages(file(task))).toEqual([expect.stringMatching(new RegExp(`^${path.replace(/[.[\]]/g, "\\$&")}: task "t": .* must be`))]);
  });

  it("answers extraArgs nested 100,000 levels with the path, not a stack overflow", () => {
    const [problem] = messages(file({ extraArgs: [deep(100_000)] }));
    expect(problem).toMatch(/^tasks\[0\]\.extraArgs\[0\]\[0\]\[0\].*nests deeper than 256 levels/);
  });
});

describe("the agent's hello holds core's capacity bound", () => {
  it("refuses a capacity of 1e308, naming the resource", () => {
    const parsed = AgentHello.safeParse(hello({ memory: 1e308, slots: 2 }));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)).toEqual(["capacity.memory: must be a finite number ≥ 0 and ≤ 1e12, got 1e+308"]);
    expect(AgentHello.safeParse(hello({ memory: 1e12, slots: 2 })).success).toBe(true);
  });
});

describe("the value codec bounds depth", () => {
  it("refuses to encode a value nested past 256 levels, naming the path", () => {
    expect(() => encodeValue(deep(100_000))).toThrow(ValueCodecError);
    expect(() => encodeValue(deep(100_000))).toThrow(/at \[0\]\[0\].* nests deeper than 256 levels/);
  });

  it("refuses to decode such a frame instead of overflowing", () => {
    const text = new TextEncoder().encode(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    const frame = new Uint8Array(text.byteLength + 1);
    frame[0] = ValueFrame.Json;
    frame.set(text, 1);
    expect(() => decodeValue(frame)).toThrow(/nests deeper than 256 levels/);
  });
});
