import { describe, expect, it } from "vitest";
import { checkExtraArgs } from "./check-extra-args.ts";
import { paramFields } from "./params-form.ts";
import { runParamsSchema, runParamValues } from "./run-params.ts";
import { checkDagLocally } from "./task-problems.ts";

const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

const params = { n: { type: "integer" as const, default: 3, description: "how many" }, label: { type: "string" as const } };

describe("the run dialog's parameters", () => {
  it("become the extra-args form's fields, one per parameter in order", () => {
    expect(paramFields(runParamsSchema(params))).toEqual([
      { index: 0, title: "n (default 3)", description: "how many", kind: "integer", isRequired: false },
      { index: 1, title: "label (required)", kind: "string", isRequired: false },
    ]);
  });

  it("read back by name, leaving empty fields to their defaults", () => {
    expect(runParamValues(params, [undefined, "x"])).toEqual({ label: "x" });
    expect(runParamValues(params, [5])).toEqual({ n: 5 });
  });
});

describe("the editor's check of parameters", () => {
  it("marks a task referring to an undeclared param", () => {
    const problems = checkDagLocally(
      { format: "handoff.dag", version: 1, name: "d", params, tasks: [{ id: "t", fn: "std.constant", extraArgs: [{ $param: "size" }] }, { id: "u", fn: "std.sum", args: [{ param: "n" }] }] },
      null,
    );
    expect(problems).toEqual([{ kind: "schema", taskId: "t", message: 'task "t": extraArgs[0]: refers to undeclared param "size"' }]);
  });
});

describe("the inspector's extra args with a run parameter", () => {
  it("leaves a position that holds a param reference to the run's check", () => {
    const schema = { type: "array", prefixItems: [{ type: "number" }, { type: "number" }] };
    expect(checkExtraArgs('[{"$param":"n"}, 7]', schema)).toEqual({ ok: true, value: [{ $param: "n" }, 7] });
    expect(checkExtraArgs('[{"$param":"n"}, "x"]', schema)).toEqual({ ok: false, message: matching(/^\[1\]: /) });
  });
});
