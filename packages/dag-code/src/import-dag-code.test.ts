import { describe, expect, it } from "vitest";
import { formatDagCodeProblem, importDagCode } from "./import-dag-code.ts";

const HEAD = 'import { Dag, edge } from "@handoff/sdk";\n';

/** The problems of `code` as `line:column message` lines. */
function refusals(code: string): string[] {
  const read = importDagCode(code);
  if (read.ok) throw new Error("expected the module to be refused");
  return read.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
}

/** `line:column` of the `nth` occurrence of `needle` in `code` (1-based, as problems report it). */
function at(code: string, needle: string, nth = 1): string {
  let index = -1;
  for (let i = 0; i < nth; i++) index = code.indexOf(needle, index + 1);
  if (index === -1) throw new Error(`"${needle}" is not in the code`);
  const before = code.slice(0, index).split("\n");
  return `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
}

describe("when the module holds code the importer cannot follow", () => {
  const cases: [string, string, string, RegExp][] = [
    ["a variable", `${HEAD}const n = 3;\nexport const dag = new Dag("x");\n`, "3;", /^found the variable `n` holding something other than `new Dag/],
    ["a variable used as a value", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f", extraArgs: [size] });\n`, "size", /^found the variable `size`: only literals are read/],
    ["a function call", `${HEAD}export const dag = new Dag("x")\n  .addTask({ id: makeId(), fn: "f" });\n`, "makeId", /^found a call to `makeId\(\)`/],
    ["a spread", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f", ...common });\n`, "...", /^found a spread/],
    ["a spread in an array", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f", extraArgs: [1, ...more] });\n`, "...", /^found a spread/],
    ["a template with substitutions", `${HEAD}export const dag = new Dag("x").addTask({ id: \`t-\${i}\`, fn: "f" });\n`, "`t-", /^found a template string with substitutions/],
    ["a loop", `${HEAD}const dag = new Dag("x");\nfor (const id of ["a", "b"]) dag.addTask({ id, fn: "f" });\n`, "for", /^found a for…of loop/],
    ["a shorthand property", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn });\n`, "fn", /^found a shorthand property/],
    ["an arithmetic expression", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f", timeoutMs: 60 * 1000 });\n`, "60", /^found an operator expression/],
    ["a method other than addTask", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f" }).validate();\n`, "validate", /^found `.validate\(\)`/],
    ["a DAG built without a name", `${HEAD}export const dag = new Dag();\n`, "new Dag", /^`new Dag\(\)` needs its name/],
    ["tasks added to another variable", `${HEAD}const dag = new Dag("x");\nother.addTask({ id: "a", fn: "f" });\n`, "other", /^found the variable `other`: tasks are read only when added to the DAG made with `new Dag\(…\)` \(`dag`\)/],
    ["two DAGs", `${HEAD}const a = new Dag("a");\nconst b = new Dag("b");\n`, 'new Dag("b")', /^a second `new Dag/],
    ["undefined", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f", label: undefined });\n`, "undefined", /^found `undefined`, which is not a JSON value/],
    ["a bigint", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f", extraArgs: [10n] });\n`, "10n", /^found a bigint/],
    ["a legacy octal", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f", extraArgs: [010] });\n`, "010", /^syntax error: Octal literals are not allowed/],
    ["a plain __proto__ key", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f", extraArgs: [{ __proto__: 1 }] });\n`, "__proto__", /^a plain `__proto__` key sets the prototype/],
    ["a field written twice", `${HEAD}export const dag = new Dag("x").addTask({ id: "a", fn: "f", id: "b" });\n`, "id", /^the field "id" is written twice/],
    ["an option new Dag does not take", `${HEAD}export const dag = new Dag("x", { tasks: [] });\n`, "tasks", /^`tasks` is not an option of `new Dag` \(description, strategy, onFailure, params\)/],
    ["a syntax error", `${HEAD}export const dag = new Dag("x"\n  .addTask({ id: "a" fn: "f" });\n`, "fn", /^syntax error: ',' expected/],
    ["a module without a DAG", `${HEAD}\n`, "import", /^no DAG found/],
  ];
  for (const [what, code, needle, expected] of cases) {
    it(`refuses ${what}, naming the line and column`, () => {
      const [first] = refusals(code);
      const nth = what === "a field written twice" ? 2 : 1;
      expect(first?.split(" ")[0]).toBe(at(code, needle, nth));
      expect(first?.slice(first.indexOf(" ") + 1)).toMatch(expected);
    });
  }

  it("lists every problem of the module at once, in source order", () => {
    const code = `${HEAD}const n = 1;\nexport const dag = new Dag("x")\n  .addTask({ id: f(), fn: g() });\nwhile (true) {}\n`;
    expect(refusals(code).map((line) => line.split(" ")[0])).toEqual([at(code, "1;"), at(code, "f()"), at(code, "g()"), at(code, "while")]);
  });
});

describe("when the code is followable but the DAG is not valid", () => {
  it("places each schema issue on the line of the value it comes from", () => {
    const code = `${HEAD}export const dag = new Dag("x", { strategy: "fastest" })\n  .addTask({ id: "a", fn: "std.x" })\n  .addTask({\n    id: "b",\n    fn: "bad name",\n    cost: { cpu: "2" },\n    cots: {},\n  });\n`;
    expect(refusals(code)).toEqual([
      expect.stringMatching(new RegExp(`^${at(code, '"fastest"')} strategy: `)),
      expect.stringMatching(new RegExp(`^${at(code, '"bad name"')} task "b": fn: must be dot-separated`)),
      expect.stringMatching(new RegExp(`^${at(code, '"2"')} task "b": cost.cpu: expected number, got string`)),
      expect.stringMatching(new RegExp(`^${at(code, "{}")} task "b": cots: unknown field`)),
    ]);
  });

  it("names a duplicate task id at the second task's id", () => {
    const code = `${HEAD}const dag = new Dag("x");\ndag.addTask({ id: "a", fn: "f" });\ndag.addTask({ id: "a", fn: "g" });\n`;
    expect(refusals(code)).toEqual([expect.stringMatching(new RegExp(`^${at(code, '"a"', 2)} task "a": id: duplicate task id`))]);
  });

  it("formats a problem the way compilers do, for editors to link", () => {
    expect(formatDagCodeProblem({ line: 3, column: 7, message: "found x" }, "dags/a.ts")).toBe("dags/a.ts:3:7: found x");
  });
});

describe("when a person edits the exported module by hand", () => {
  it("reads separate addTask calls, edge objects, `as const`, comments, numeric separators and negative numbers", () => {
    const code = `${HEAD}// a pipeline\nconst pipeline = new Dag("hand", { onFailure: "continue" as const });\npipeline.addTask({ id: "a", fn: "std.constant", extraArgs: [-1_000, 0x10, 'single', \`plain\`, { ["__proto__"]: null, 2: true }] });\npipeline\n  .addTask({ id: "b", fn: "std.sum", args: ["a", { from: "a" }, edge("a", { decode: { fn: "std.pick", args: ["x"] } })] }); /* done */\nexport default pipeline;\n`;
    const read = importDagCode(code);
    expect(read).toEqual({
      ok: true,
      dag: {
        format: "handoff.dag",
        version: 1,
        name: "hand",
        onFailure: "continue",
        tasks: [
          { id: "a", fn: "std.constant", extraArgs: [-1000, 16, "single", "plain", JSON.parse('{"__proto__":null,"2":true}') as unknown] },
          { id: "b", fn: "std.sum", args: ["a", { from: "a" }, { from: "a", decode: { fn: "std.pick", args: ["x"] } }] },
        ],
      },
    });
    expect(read.ok && Object.getPrototypeOf(read.dag.tasks[0]!.extraArgs![4])).toBe(Object.prototype);
  });
});
