import { describe, expect, it } from "vitest";
import { Dag, edge, param } from "./dag-builder.ts";
import { executeLocal } from "./execute-local.ts";
import { paramRef } from "@handoff/protocol";
import { DagFileError } from "./dag-file-error.ts";

const matching = (pattern: RegExp): string => expect.stringMatching(pattern) as string;

function sizedDag(): Dag {
  return new Dag("sized", { params: { n: { type: "integer", minimum: 1, default: 2, description: "how many" }, scale: { type: "number" } } })
    .addTask({ id: "base", fn: "std.constant", extraArgs: [{ list: [paramRef("n"), 10] }] })
    .addTask({ id: "sum", fn: "std.sum", args: [edge("base", { decode: { fn: "std.pick", args: ["list"] } }), param("n"), param("scale")], extraArgs: [[paramRef("n")]] });
}

describe("a DAG with run parameters, run in-process", () => {
  it("writes them in its file and round-trips through fromJSON", () => {
    const json = sizedDag().toJSON();
    expect(json.params).toEqual({ n: { type: "integer", minimum: 1, default: 2, description: "how many" }, scale: { type: "number" } });
    expect(Dag.fromJSON(JSON.parse(JSON.stringify(json))).toJSON()).toEqual(json);
  });

  it("runs with the given values and the defaults for the rest (inputs and extraArgs)", async () => {
    const outcome = await executeLocal(sizedDag(), { params: { scale: 0.5 } });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.results["sum"]).toBe(2 + 10 + 2 + 0.5 + 2);
    const again = await executeLocal(sizedDag(), { params: { n: 5, scale: 1 } });
    expect(again.results["sum"]).toBe(5 + 10 + 5 + 1 + 5);
  });

  it("refuses bad params before anything runs, naming each and why", async () => {
    const outcome = await executeLocal(sizedDag(), { params: { n: 0, scale: "x", extra: 1 } });
    expect(outcome.status).toBe("rejected");
    expect(outcome.results).toEqual({});
    const messages = outcome.problems.map((problem) => problem.message);
    expect(messages).toEqual([
      'param "extra": not declared (DAG "sized" declares n, scale)',
      matching(/^param "n": .*1/),
      matching(/^param "scale": .*number/),
    ]);
    const missing = await executeLocal(sizedDag());
    expect(missing.problems.map((problem) => problem.message)).toEqual(['param "scale": required (it has no default)']);
  });

  it("reports a task that uses an undeclared param, and refuses a malformed declaration", () => {
    const dag = new Dag("d").addTask({ id: "t", fn: "std.constant", extraArgs: [{ a: paramRef("w") }] });
    expect(dag.validate()).toEqual([{ kind: "invalid_task", taskId: "t", field: "extraArgs[0].a", message: 'task "t": extraArgs[0].a: refers to undeclared param "w"' }]);
    expect(() => new Dag("d", { params: { n: { type: "integer", default: "x" } } })).toThrow(DagFileError);
    expect(() => new Dag("d", { params: { n: { type: "integer", default: "x" } } })).toThrow(/params\.n\.default/);
  });
});
