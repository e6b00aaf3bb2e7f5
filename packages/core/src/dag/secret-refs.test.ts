import { describe, expect, it } from "vitest";
import { checkDag } from "./check-dag.ts";
import type { DagProblem } from "../errors.ts";
import type { DagSpec } from "./model.ts";
import { checkSecretRefs, findSecretRefs, isSecretRef } from "./secret-refs.ts";
import { functionCatalogue, type ParamsValidator } from "./validate-signatures.ts";

const where = (problem: DagProblem): [string | null | undefined, string | undefined] => ["taskId" in problem ? problem.taskId : undefined, "field" in problem ? problem.field : undefined];

describe("secret references", () => {
  it("finds references at any depth, with their paths, and nothing else", () => {
    expect(findSecretRefs([{ secret: "a" }, { url: "pg://", auth: { password: { secret: "b" } } }, [{ secret: "c", extra: 1 }], "secret"])).toEqual([
      { path: "[0]", name: "a" },
      { path: "[1].auth.password", name: "b" },
    ]);
    expect(isSecretRef({ secret: 1 })).toBe(false);
    expect(isSecretRef({ secret: "x", other: 1 })).toBe(false);
  });

  it("refuses an unknown secret naming the task and the field", () => {
    const dag: DagSpec = { tasks: [{ id: "load", fn: "db.load", extraArgs: ["q", { password: { secret: "warehouse" } }] }] };
    const problems = checkSecretRefs(dag, new Set(["other"]));
    expect(problems).toEqual([expect.objectContaining({ kind: "invalid_task", taskId: "load", field: "extraArgs[1].password" })]);
    expect(problems[0]!.message).toMatch(/^task "load": extraArgs\[1\]\.password: unknown secret "warehouse"/);
    expect(checkSecretRefs(dag, new Set(["warehouse"]))).toEqual([]);
    // Without the list of secrets only the form is checked.
    expect(checkSecretRefs(dag, undefined)).toEqual([]);
  });

  it("refuses malformed names and references in an edge transform's args", () => {
    const dag: DagSpec = {
      tasks: [
        { id: "a", fn: "f", extraArgs: [{ secret: "" }] },
        { id: "b", fn: "f", args: [{ from: "a", encode: { fn: "g", args: [{ secret: "k" }] } }] },
      ],
    };
    expect(checkSecretRefs(dag, new Set(["k"])).map(where)).toEqual([
      ["a", "extraArgs[0]"],
      ["b", "args[0].encode.args[0]"],
    ]);
  });

  it("lets a reference stand where the function's params schema wants another type, and checkDag reports the unknown one", () => {
    // A validator that wants every extra arg to be a string, like a `password: string` param.
    const strings: ParamsValidator = (_schema, value) =>
      (value as unknown[]).flatMap((item, index) => (typeof item === "string" ? [] : [{ path: `[${index}]`, message: "expected string" }]));
    const catalogue = functionCatalogue([{ name: "m", status: "online", functions: [{ name: "db.load", inputs: { kind: "variadic" }, params: { type: "array" } }] }]);
    const dag: DagSpec = { tasks: [{ id: "load", fn: "db.load", extraArgs: [{ secret: "warehouse" }, 3] }] };
    const problems = checkDag(dag, { machines: null, signatures: { catalogue, validateParams: strings }, secretNames: new Set() });
    expect(problems.map((problem) => where(problem)[1])).toEqual(["extraArgs[1]", "extraArgs[0]"]);
    expect(problems[1]!.message).toContain('unknown secret "warehouse"');
  });
});
