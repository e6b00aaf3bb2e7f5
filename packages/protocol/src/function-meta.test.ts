import { describe, expect, it } from "vitest";
import { FunctionInputs, FunctionMeta, inputDelivery } from "./function-meta.ts";
import { functionNamespace } from "./function-name.ts";

const sum = {
  name: "std.sum",
  description: "Adds numbers",
  namespace: "std",
  inputs: { kind: "variadic", description: "numbers to add" },
  params: { type: "array" },
  defaultCost: { cpu: 1 },
  codeHash: "abc123",
  kind: "function",
};

describe("when a catalogue entry is parsed", () => {
  it("accepts a complete entry", () => {
    expect(FunctionMeta.parse(sum)).toEqual(sum);
  });

  it("accepts named inputs and a minimal entry", () => {
    const minimal = { name: "resize", namespace: "", inputs: { kind: "named", names: ["image"] }, codeHash: "h" };
    expect(FunctionMeta.parse(minimal)).toEqual(minimal);
  });

  it("rejects a namespace that does not match the name", () => {
    const result = FunctionMeta.safeParse({ ...sum, namespace: "math" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["namespace"]);
  });

  it("rejects unknown fields, an empty code hash and an unknown kind", () => {
    expect(FunctionMeta.safeParse({ ...sum, colour: 1 }).success).toBe(false);
    expect(FunctionMeta.safeParse({ ...sum, codeHash: "" }).success).toBe(false);
    expect(FunctionMeta.safeParse({ ...sum, kind: "macro" }).success).toBe(false);
  });
});

describe("when a function says how it takes its inputs", () => {
  it("delivers whole values unless told otherwise, per name or for every input of a variadic function", () => {
    const named = FunctionInputs.parse({ kind: "named", names: ["data", "config"], as: { data: "stream" } });
    expect([0, 1, 2].map((index) => inputDelivery(named, index))).toEqual(["stream", "value", "value"]);
    expect(inputDelivery(FunctionInputs.parse({ kind: "variadic", as: "path" }), 5)).toBe("path");
    expect(inputDelivery({ kind: "variadic" }, 0)).toBe("value");
    expect(inputDelivery(undefined, 0)).toBe("value");
  });

  it("refuses an option for a name the function does not have, or an unknown delivery", () => {
    const unknownName = FunctionInputs.safeParse({ kind: "named", names: ["data"], as: { date: "stream" } });
    expect(unknownName.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([[["as", "date"], "is not one of the input names (data)"]]);
    expect(FunctionInputs.safeParse({ kind: "variadic", as: "pipe" }).success).toBe(false);
  });
});

describe("when a namespace is derived from a name", () => {
  it("takes the text before the last dot", () => {
    expect(functionNamespace("image.ops.resize")).toBe("image.ops");
    expect(functionNamespace("std.sum")).toBe("std");
    expect(functionNamespace("sum")).toBe("");
  });
});
