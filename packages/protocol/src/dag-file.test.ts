import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDagFile, parseTaskJson, type DagFile } from "./dag-file.ts";
import { toDagSpec } from "./dag-spec.ts";

const complete: DagFile = {
  format: "handoff.dag",
  version: 1,
  name: "thumbnails",
  description: "Resize one image twice",
  strategy: "first_available",
  onFailure: "fail_fast",
  tasks: [
    { id: "load", fn: "std.bytes", extraArgs: [1024, 7], cost: { cpu: 1 }, position: { x: 0, y: 0 }, label: "Load" },
    {
      id: "resize",
      fn: "image.resize",
      args: ["load", { from: "load", encode: { fn: "std.pick", args: ["data"] }, decode: { fn: "std.identity_edge" } }],
      extraArgs: [{ width: 64 }],
      argumentInclusion: "as_list",
      type: "regular",
      placement: { kind: "pinned", machine: "gpu-1" },
      cost: { cpu: 2, gpu: 1 },
      maxRetries: 0,
      retryBackoff: { initialMs: 100, factor: 2, maxMs: 5000 },
      retryOn: ["timeout"],
      timeoutMs: 30_000,
      position: { x: 200, y: 0 },
    },
    { id: "size", fn: "std.length", args: ["resize"], type: "inline", placement: { kind: "auto" } },
    { id: "near", fn: "std.identity", args: ["resize"], placement: { kind: "collocated", with: "resize" } },
  ],
};

function issuesOf(input: unknown) {
  const result = parseDagFile(input);
  if (result.ok) throw new Error("expected the file to be rejected");
  return result.issues;
}

describe("when a complete DAG file is parsed", () => {
  it("accepts every TaskSpec field plus position and label", () => {
    const result = parseDagFile(JSON.parse(JSON.stringify(complete)));
    expect(result).toEqual({ ok: true, dag: complete });
  });

  it("converts to a DagSpec without editor-only fields", () => {
    const spec = toDagSpec(complete);
    expect(spec.tasks).toHaveLength(4);
    expect(spec.tasks[0]).toEqual({ id: "load", fn: "std.bytes", extraArgs: [1024, 7], cost: { cpu: 1 } });
    for (const task of spec.tasks) {
      expect(task).not.toHaveProperty("position");
      expect(task).not.toHaveProperty("label");
    }
    expect(spec.tasks[1]?.args).toEqual(complete.tasks[1]?.args);
  });
});

describe("when a DAG file is wrong", () => {
  it("names the task and the entry of a retryOn kind no retry can fix", () => {
    const file = { ...complete, tasks: [{ id: "bad", fn: "x.y", retryOn: ["timeout", "non_retryable"] }] };
    expect(issuesOf(file)).toEqual([{ path: "tasks[0].retryOn[1]", message: 'task "bad": retryOn[1]: invalid option: expected one of "function_failed"|"timeout"' }]);
  });

  it("names the task and the field of a bad cost", () => {
    const file = { ...complete, tasks: [...complete.tasks.slice(0, 3), { id: "bad", fn: "x.y", cost: { cpu: "2" } }] };
    expect(issuesOf(file)).toEqual([{ path: "tasks[3].cost.cpu", message: 'task "bad": cost.cpu: expected number, got string' }]);
  });

  it("reports unknown fields one by one, at the task and at the top", () => {
    const file = { ...complete, colour: "red", tasks: [{ id: "a", fn: "std.identity", cots: { cpu: 1 } }] };
    expect(issuesOf(file)).toEqual(
      expect.arrayContaining([
        { path: "colour", message: "unknown field" },
        { path: "tasks[0].cots", message: 'task "a": cots: unknown field' },
      ]),
    );
  });

  it("reports a missing field as missing", () => {
    expect(issuesOf({ ...complete, tasks: [{ id: "a" }] })).toEqual([{ path: "tasks[0].fn", message: 'task "a": fn: expected string (missing)' }]);
  });

  it("keeps the path but not a task name when the id itself is bad", () => {
    expect(issuesOf({ ...complete, tasks: [{ id: 7, fn: "std.sum" }] })).toEqual([{ path: "tasks[0].id", message: "expected string, got number" }]);
  });

  it("explains an edge argument from inside the edge", () => {
    const file = { ...complete, tasks: [{ id: "a", fn: "std.sum", args: [{ from: "b", encode: { fn: 3 } }] }] };
    expect(issuesOf(file)).toEqual([{ path: "tasks[0].args[0].encode.fn", message: 'task "a": args[0].encode.fn: expected string, got number' }]);
  });

  it("says an argument must be an id or an edge when it is neither", () => {
    const file = { ...complete, tasks: [{ id: "a", fn: "std.sum", args: [3] }] };
    expect(issuesOf(file)).toEqual([{ path: "tasks[0].args[0]", message: 'task "a": args[0]: expected string or object, got number' }]);
  });

  it("lists the placement kinds when the kind is unknown", () => {
    const file = { ...complete, tasks: [{ id: "a", fn: "std.sum", placement: { kind: "near" } }] };
    expect(issuesOf(file)).toEqual([
      { path: "tasks[0].placement.kind", message: 'task "a": placement.kind: expected one of "auto", "pinned", "collocated", got "near"' },
    ]);
  });

  it("names the non-JSON extra argument", () => {
    const file = { ...complete, tasks: [{ id: "a", fn: "std.sum", extraArgs: [1, { big: 2n }] }] };
    expect(issuesOf(file)).toEqual([{ path: "tasks[0].extraArgs[1].big", message: 'task "a": extraArgs[1].big: bigint is not a JSON value' }]);
  });

  it("rejects negative and fractional retry counts", () => {
    const file = { ...complete, tasks: [{ id: "a", fn: "std.sum", maxRetries: -1 }, { id: "b", fn: "std.sum", maxRetries: 1.5 }] };
    const issues = issuesOf(file);
    expect(issues.map((i) => i.path)).toEqual(["tasks[0].maxRetries", "tasks[1].maxRetries"]);
  });

  it("rejects duplicate task ids, pointing at the second one", () => {
    const file = { ...complete, tasks: [{ id: "a", fn: "std.sum" }, { id: "b", fn: "std.sum" }, { id: "a", fn: "std.sum" }] };
    expect(issuesOf(file)).toEqual([{ path: "tasks[2].id", message: 'task "a": id: duplicate task id (first used at tasks[0])' }]);
  });

  it("rejects another format or version", () => {
    const issues = issuesOf({ ...complete, format: "other", version: 2 });
    expect(issues.map((i) => i.path)).toEqual(["format", "version"]);
    expect(issues[0]?.message).toBe('expected "handoff.dag"');
  });

  it("rejects names and ids over 200 characters", () => {
    const long = "x".repeat(201);
    const issues = issuesOf({ ...complete, name: long, tasks: [{ id: long, fn: "std.sum" }] });
    expect(issues.map((i) => i.path)).toEqual(["name", "tasks[0].id"]);
  });

  it("rejects function names that are not dotted identifiers", () => {
    expect(issuesOf({ ...complete, tasks: [{ id: "a", fn: "std sum" }] })[0]?.path).toBe("tasks[0].fn");
  });

  it("says what the whole input should be when it is not an object", () => {
    expect(issuesOf("hello")).toEqual([{ path: "", message: "expected object, got string" }]);
  });
});

describe("when one task is parsed on its own", () => {
  it("names the task in each message with paths relative to it", () => {
    const result = parseTaskJson({ id: "t", fn: "std.sum", timeoutMs: 0 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([{ path: "timeoutMs", message: expect.stringMatching(/^task "t": timeoutMs: must be an integer > 0/) as unknown }]);
  });
});

describe("when the README's example is parsed", () => {
  it("is a valid DAG file", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(parseDagFile(JSON.parse(example ?? "null"))).toMatchObject({ ok: true });
  });
});
