import { functionCatalogue, validateDag, type SignatureContext } from "@handoff/core";
import { validateJsonSchema } from "@handoff/protocol";
import { describe, expect, it } from "vitest";
import { std } from "./std.ts";

// The standard library's own catalogue entries, checked by core with the protocol's JSON Schema validator:
// what the server and the editor do with a cluster of agents offering `std`.
const context: SignatureContext = {
  catalogue: functionCatalogue([{ name: "local", status: "online", functions: Object.values(std).map((fn) => fn.meta) }]),
  validateParams: validateJsonSchema,
};

describe("the standard library's signatures", () => {
  it("refuses std.constant without the value it returns (its params say one item)", () => {
    expect(validateDag({ tasks: [{ id: "c", fn: "std.constant" }] }, context)).toEqual([
      { kind: "invalid_task", taskId: "c", field: "extraArgs", message: 'task "c": std.constant\'s extra args: needs at least 1 item, got 0' },
    ]);
  });

  it("refuses std.sleep given a string for its milliseconds, naming the position", () => {
    const [problem] = validateDag({ tasks: [{ id: "z", fn: "std.sleep", extraArgs: ["soon"] }] }, context);
    expect(problem).toMatchObject({ kind: "invalid_task", taskId: "z", field: "extraArgs[0]" });
    expect(problem?.message).toMatch(/^task "z": std\.sleep's extra args \[0\]: .*number/);
  });

  it("refuses std.identity given two inputs", () => {
    const problems = validateDag(
      { tasks: [{ id: "a", fn: "std.constant", extraArgs: [1] }, { id: "b", fn: "std.constant", extraArgs: [2] }, { id: "i", fn: "std.identity", args: ["a", "b"] }] },
      context,
    );
    expect(problems.map((p) => p.message)).toEqual(['task "i": std.identity takes 1 input (value), got 2']);
  });

  it("accepts the word-count shape: constants into a variadic sum, a picked edge", () => {
    const problems = validateDag(
      {
        tasks: [
          { id: "a", fn: "std.constant", extraArgs: [{ n: 1 }] },
          { id: "b", fn: "std.constant", extraArgs: [2] },
          { id: "s", fn: "std.sum", args: [{ from: "a", encode: { fn: "std.pick", args: ["n"] } }, "b"] },
          { id: "w", fn: "std.sleep", extraArgs: [1, "done"] },
        ],
      },
      context,
    );
    expect(problems).toEqual([]);
  });
});

describe("the standard library's catalogue entries", () => {
  it("give every parameter a title, so the editor can draw a form", () => {
    const untitled: string[] = [];
    for (const { meta } of Object.values(std)) {
      const params = meta.params as { prefixItems?: { title?: string }[]; items?: { title?: string } | false } | undefined;
      if (params === undefined) continue;
      (params.prefixItems ?? []).forEach((item, index) => {
        if (item.title === undefined) untitled.push(`${meta.name}[${index}]`);
      });
      if (typeof params.items === "object" && params.items.title === undefined) untitled.push(`${meta.name}[…]`);
    }
    expect(untitled).toEqual([]);
  });

  it("declare what they return where it is one type", () => {
    expect(std.sum.meta.returns).toMatchObject({ type: "number" });
  });
});
