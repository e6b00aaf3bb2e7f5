import { describe, expect, it } from "vitest";
import type { DagSpec } from "./model.ts";
import { validateDag } from "./validate-dag.ts";
import { functionCatalogue, validateSignatures, type FunctionSignature, type ParamsValidator, type SignatureContext } from "./validate-signatures.ts";

// Core takes its JSON Schema validator as a parameter (the protocol's in the product). This one reads the two
// keywords these tests use, so core's own logic is tested here; protocol's validator has its own tests, and
// packages/sdk tests the pair with the real standard library.
const lengthOnly: ParamsValidator = (schema, value) => {
  const list = value as unknown[];
  const issues: { path: string; message: string }[] = [];
  if (typeof schema.minItems === "number" && list.length < schema.minItems) issues.push({ path: "", message: `needs at least ${schema.minItems} item(s), got ${list.length}` });
  if (typeof schema.maxItems === "number" && list.length > schema.maxItems) issues.push({ path: "", message: `takes at most ${schema.maxItems} item(s), got ${list.length}` });
  return issues;
};

const constant: FunctionSignature = { name: "std.constant", inputs: { kind: "named", names: [] }, params: { type: "array", minItems: 1, maxItems: 1 } };
const sum: FunctionSignature = { name: "std.sum", inputs: { kind: "variadic" } };
const pair: FunctionSignature = { name: "demo.pair", inputs: { kind: "named", names: ["left", "right"] } };
const pick: FunctionSignature = { name: "std.pick", inputs: { kind: "named", names: ["value"] }, params: { type: "array", minItems: 1, maxItems: 1 } };

function contextOf(machines: { name: string; status?: string; functions: FunctionSignature[] }[]): SignatureContext {
  return { catalogue: functionCatalogue(machines.map((m) => ({ status: "online", ...m }))), validateParams: lengthOnly };
}
const oneMachine = contextOf([{ name: "m1", functions: [constant, sum, pair, pick] }]);

describe("validateSignatures", () => {
  it("accepts calls that match their functions", () => {
    const dag: DagSpec = {
      tasks: [
        { id: "a", fn: "std.constant", extraArgs: [1] },
        { id: "b", fn: "std.constant", extraArgs: [2] },
        { id: "s", fn: "std.sum", args: ["a", "b", "a"] },
        { id: "p", fn: "demo.pair", args: ["a", { from: "b", encode: { fn: "std.pick", args: [0] } }] },
      ],
    };
    expect(validateSignatures(dag, oneMachine)).toEqual([]);
  });

  it("reports std.constant without its value as a problem of its extraArgs", () => {
    expect(validateSignatures({ tasks: [{ id: "c", fn: "std.constant" }] }, oneMachine)).toEqual([
      { kind: "invalid_task", taskId: "c", field: "extraArgs", message: 'task "c": std.constant\'s extra args: needs at least 1 item(s), got 0' },
    ]);
  });

  it("reports a function given the wrong number of inputs, naming its inputs", () => {
    const dag: DagSpec = { tasks: [{ id: "a", fn: "std.constant", extraArgs: [1] }, { id: "p", fn: "demo.pair", args: ["a"] }, { id: "q", fn: "std.constant", args: ["a"], extraArgs: [1] }] };
    const problems = validateSignatures(dag, oneMachine);
    expect(problems).toEqual([
      { kind: "invalid_task", taskId: "p", field: "args", message: 'task "p": demo.pair takes 2 inputs (left, right), got 1' },
      { kind: "invalid_task", taskId: "q", field: "args", message: 'task "q": std.constant takes no inputs, got 1' },
    ]);
  });

  it("counts as_list inputs as one argument", () => {
    const dag: DagSpec = { tasks: [{ id: "a", fn: "std.constant", extraArgs: [1] }, { id: "p", fn: "demo.pair", args: ["a", "a"], argumentInclusion: "as_list" }] };
    expect(validateSignatures(dag, oneMachine)[0]?.message).toBe('task "p": demo.pair takes 2 inputs (left, right), got its inputs as one list (as_list)');
  });

  it("checks an edge transform's args against its params, naming the edge", () => {
    const dag: DagSpec = { tasks: [{ id: "a", fn: "std.constant", extraArgs: [1] }, { id: "s", fn: "std.sum", args: [{ from: "a", decode: { fn: "std.pick" } }] }] };
    expect(validateSignatures(dag, oneMachine)).toEqual([
      { kind: "invalid_task", taskId: "s", field: "args[0].decode.args", message: 'task "s": std.pick\'s args: needs at least 1 item(s), got 0' },
    ]);
  });

  it("leaves functions nobody offers to the feasibility check", () => {
    expect(validateSignatures({ tasks: [{ id: "x", fn: "nobody.has" }] }, oneMachine)).toEqual([]);
  });

  describe("when machines offer different code under one name", () => {
    const pairOnOld: FunctionSignature = { name: "demo.pair", inputs: { kind: "named", names: ["both"] } };
    const context = contextOf([
      { name: "alpha", functions: [constant, pair] },
      { name: "beta", functions: [constant, pair] },
      { name: "gamma", functions: [constant, pairOnOld] },
    ]);
    const dag: DagSpec = { tasks: [{ id: "a", fn: "std.constant", extraArgs: [1] }, { id: "p", fn: "demo.pair", args: ["a", "a"] }] };

    it("says which machine disagrees and which accept the call", () => {
      expect(validateSignatures(dag, context)).toEqual([
        {
          kind: "invalid_task",
          taskId: "p",
          field: "args",
          message: 'task "p": demo.pair takes 1 input (both), got 2 (the code on machine "gamma" disagrees with the other machines offering demo.pair; machines "alpha", "beta" accept it)',
        },
      ]);
    });

    it("checks only the pinned machine's code when the task is pinned", () => {
      const pinned: DagSpec = { tasks: [dag.tasks[0]!, { ...dag.tasks[1]!, placement: { kind: "pinned", machine: "alpha" } }] };
      expect(validateSignatures(pinned, context)).toEqual([]);
      const onGamma: DagSpec = { tasks: [dag.tasks[0]!, { ...dag.tasks[1]!, placement: { kind: "pinned", machine: "gamma" } }] };
      expect(validateSignatures(onGamma, context).map((p) => p.message)).toEqual(['task "p": demo.pair takes 1 input (both), got 2']);
    });

    it("ignores machines that are not online", () => {
      const withGammaOffline = contextOf([
        { name: "alpha", functions: [constant, pair] },
        { name: "gamma", status: "offline", functions: [constant, pairOnOld] },
      ]);
      expect(validateSignatures(dag, withGammaOffline)).toEqual([]);
    });
  });
});

describe("validateDag with a catalogue", () => {
  it("adds signature problems to the structural ones", () => {
    const problems = validateDag({ tasks: [{ id: "c", fn: "std.constant" }, { id: "s", fn: "std.sum", args: ["ghost"] }] }, oneMachine);
    expect(problems.map((p) => p.kind)).toEqual(["missing_task", "invalid_task"]);
  });

  it("checks nothing about signatures without one", () => {
    expect(validateDag({ tasks: [{ id: "c", fn: "std.constant" }] })).toEqual([]);
  });
});
