import { describe, expect, it } from "vitest";
import { bindForCheck, bindParams } from "./bind-params.ts";
import { parseDagFile, type DagFile } from "./dag-file.ts";
import { toDagSpec } from "./dag-spec.ts";

const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

function file(extra: Partial<DagFile> = {}): DagFile {
  const parsed = parseDagFile({
    format: "handoff.dag",
    version: 1,
    name: "sized",
    params: {
      n: { type: "integer", minimum: 1, default: 3, description: "how many" },
      label: { type: "string" },
    },
    tasks: [
      { id: "make", fn: "std.bytes", extraArgs: [{ $param: "n" }, 7], position: { x: 300, y: 0 } },
      { id: "sum", fn: "std.sum", args: ["make", { param: "n" }], extraArgs: [{ title: { $param: "label" }, keep: [1, { $param: "n" }] }] },
    ],
    ...extra,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.dag;
}

describe("a DAG file's parameters", () => {
  it("are read with their schemas, in declaration order", () => {
    expect(Object.keys(file().params ?? {})).toEqual(["n", "label"]);
  });

  it("refuse a task referring to an undeclared param, naming the task and where", () => {
    const parsed = parseDagFile({
      format: "handoff.dag",
      version: 1,
      name: "d",
      params: { n: { type: "integer" } },
      tasks: [{ id: "t", fn: "std.sum", args: [{ param: "m" }], extraArgs: [{ w: { $param: "width" } }] }],
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues).toEqual([
      { path: "tasks[0].args[0].param", message: 'task "t": args[0].param: refers to undeclared param "m"' },
      { path: "tasks[0].extraArgs[0].w", message: 'task "t": extraArgs[0].w: refers to undeclared param "width"' },
    ]);
  });

  it("refuse a default that does not match its schema, and a schema without a type", () => {
    const parsed = parseDagFile({ format: "handoff.dag", version: 1, name: "d", params: { n: { type: "integer", default: "x" }, m: { minimum: 1 } }, tasks: [] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const paths = parsed.issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["params.n.default", "params.m.type"]));
    const named = parseDagFile({ format: "handoff.dag", version: 1, name: "d", params: { "1x": { type: "string" } }, tasks: [] });
    expect(named.ok === false && named.issues).toEqual([{ path: 'params["1x"]', message: matching(/^param name "1x": must be an identifier/) }]);
  });
});

describe("binding a run's parameters", () => {
  it("puts the given values, and defaults for the rest, into extraArgs and inputs", () => {
    const bound = bindParams(file(), { label: "hi" });
    expect(bound.ok).toBe(true);
    if (!bound.ok) return;
    expect(bound.bound.values).toEqual({ n: 3, label: "hi" });
    const tasks = bound.bound.file.tasks;
    expect(tasks.map((task) => task.id)).toEqual(["$param:n", "make", "sum"]);
    expect(tasks[0]).toEqual({ id: "$param:n", fn: "std.constant", type: "inline", extraArgs: [3], label: "param n" });
    expect(tasks[1]?.extraArgs).toEqual([3, 7]);
    expect(tasks[2]?.args).toEqual(["make", "$param:n"]);
    expect(tasks[2]?.extraArgs).toEqual([{ title: "hi", keep: [1, 3] }]);
    // The bound file is an ordinary DAG file: it parses again and has no parameter left.
    const again = parseDagFile(bound.bound.file);
    expect(again.ok).toBe(true);
    expect(JSON.stringify(bound.bound.file.tasks)).not.toContain("$param\"");
  });

  it("refuses, naming each param and why: wrong type, out of range, missing, undeclared", () => {
    expect(bindParams(file(), { n: "three", label: "x" })).toEqual({ ok: false, issues: [{ path: "params.n", message: matching(/^param "n": .*integer/) }] });
    expect(bindParams(file(), { n: 0, label: "x" })).toEqual({ ok: false, issues: [{ path: "params.n", message: matching(/^param "n": .*1/) }] });
    expect(bindParams(file(), {})).toEqual({ ok: false, issues: [{ path: "params.label", message: 'param "label": required (it has no default)' }] });
    expect(bindParams(file(), { label: "x", m: 1 })).toEqual({
      ok: false,
      issues: [{ path: "params.m", message: 'param "m": not declared (DAG "sized" declares n, label)' }],
    });
    expect(bindParams(file(), { label: () => 1 })).toEqual({ ok: false, issues: [{ path: "params.label", message: 'param "label": function is not a JSON value' }] });
  });

  it("gives a DAG without parameters back as it is, and refuses values for it", () => {
    const plain = file({ params: undefined, tasks: [{ id: "a", fn: "std.constant", extraArgs: [1] }] });
    const bound = bindParams(plain, {});
    expect(bound.ok && bound.bound.file).toBe(plain);
    expect(bindParams(plain, { n: 1 })).toEqual({ ok: false, issues: [{ path: "params.n", message: 'param "n": not declared (DAG "sized" declares no parameters)' }] });
  });

  it("checks a DAG with defaults, else a sample of each type (the editor's view)", () => {
    const checked = bindForCheck(file());
    expect(checked.tasks[2]?.extraArgs).toEqual([{ title: "", keep: [1, 3] }]);
    expect(toDagSpec(file()).tasks.map((task) => task.id)).toEqual(["$param:n", "make", "sum"]);
  });

  it("never takes a param task id a task already has", () => {
    const taken = file({ tasks: [{ id: "$param:n", fn: "std.constant", extraArgs: [1] }, { id: "t", fn: "std.sum", args: ["$param:n", { param: "n" }] }] });
    const bound = bindParams(taken, { label: "x" });
    expect(bound.ok && bound.bound.file.tasks.map((task) => task.id)).toEqual(["$param:n~2", "$param:n", "t"]);
    expect(bound.ok && bound.bound.file.tasks[2]?.args).toEqual(["$param:n", "$param:n~2"]);
  });
});
