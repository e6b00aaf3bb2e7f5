import { describe, expect, it } from "vitest";
import { FunctionMeta } from "@handoff/protocol";
import { z } from "zod";
import { defineFunction, defineFunctions, defineTransform } from "./define-function.ts";
import { DuplicateFunctionError, FunctionRegistry } from "./function-registry.ts";

const resize = defineFunction({
  name: "image.ops.resize",
  description: "Shrinks an image",
  inputs: { kind: "named", names: ["image"] },
  params: z.tuple([z.number().int().positive()]),
  defaultCost: { cpu: 2 },
  run: (image: string, width: number) => `${image}@${width}`,
});

describe("when a function is defined", () => {
  it("describes itself with a valid catalogue entry", () => {
    expect(FunctionMeta.parse(resize.meta)).toEqual(resize.meta);
    expect(resize.meta).toMatchObject({
      name: "image.ops.resize",
      namespace: "image.ops",
      description: "Shrinks an image",
      inputs: { kind: "named", names: ["image"] },
      defaultCost: { cpu: 2 },
      kind: "function",
    });
  });

  it("publishes its params as JSON Schema", () => {
    expect(resize.meta.params).toMatchObject({ type: "array", prefixItems: [{ type: "integer", exclusiveMinimum: 0 }] });
  });

  it("runs the given code", async () => {
    expect(resize.run("cat", 64)).toBe("cat@64");
    const slow = defineFunction({ name: "demo.slow", run: async (x: number) => x + 1 });
    await expect(slow.run(1)).resolves.toBe(2);
  });

  it("takes any number of inputs unless told otherwise", () => {
    expect(defineFunction({ name: "demo.any", run: () => 1 }).meta.inputs).toEqual({ kind: "variadic" });
  });

  it("hashes its code stably and differently for different code or names", () => {
    const a = defineFunction({ name: "demo.a", run: (x: number) => x });
    const again = defineFunction({ name: "demo.a", run: (x: number) => x });
    const other = defineFunction({ name: "demo.a", run: (x: number) => x * 2 });
    const renamed = defineFunction({ name: "demo.b", run: (x: number) => x });
    expect(a.meta.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(again.meta.codeHash).toBe(a.meta.codeHash);
    expect(other.meta.codeHash).not.toBe(a.meta.codeHash);
    expect(renamed.meta.codeHash).not.toBe(a.meta.codeHash);
  });

  it("refuses a name that is not dotted identifiers", () => {
    expect(() => defineFunction({ name: "bad name", run: () => 1 })).toThrow(/cannot define function "bad name": name: must be dot-separated/);
  });

  it("publishes what it returns as JSON Schema", () => {
    const area = defineFunction({ name: "demo.area", params: z.tuple([z.number().meta({ title: "side" })]), returns: z.number(), run: (side: number) => side * side });
    expect(area.meta.returns).toMatchObject({ type: "number" });
    expect(area.meta.params).toMatchObject({ prefixItems: [{ type: "number", title: "side" }] });
  });

  it("refuses params that JSON Schema cannot express", () => {
    expect(() => defineFunction({ name: "demo.when", params: z.tuple([z.date()]), run: () => 1 })).toThrow(/params cannot be written as JSON Schema/);
  });
});

describe("when an edge transform is defined", () => {
  it("is marked as a transform and called with the value, both machines and its static args", () => {
    const tag = defineTransform({
      name: "demo.tag",
      run: (value: string, from: string, to: string, suffix: string) => `${value}:${from}->${to}${suffix}`,
    });
    expect(tag.meta.kind).toBe("transform");
    expect(tag.meta.inputs).toEqual({ kind: "named", names: ["value"] });
    expect(tag.run("v", "a", "b", "!")).toBe("v:a->b!");
  });
});

describe("when functions are gathered into a registry", () => {
  const one = defineFunction({ name: "demo.one", run: () => 1 });
  const two = defineFunction({ name: "demo.two", run: () => 2 });

  it("finds them by name and lists their entries sorted", () => {
    const registry = defineFunctions(two, one);
    expect(registry.get("demo.one")).toBe(one);
    expect(registry.has("demo.two")).toBe(true);
    expect(registry.has("demo.three")).toBe(false);
    expect(registry.size).toBe(2);
    expect(registry.names()).toEqual(["demo.one", "demo.two"]);
    expect(registry.list()).toEqual([one.meta, two.meta]);
  });

  it("refuses two different functions under one name", () => {
    const impostor = defineFunction({ name: "demo.one", run: () => "not one" });
    expect(() => defineFunctions(one, impostor)).toThrow(DuplicateFunctionError);
    expect(() => defineFunctions(one).merge(defineFunctions(impostor))).toThrow(/"demo.one" is defined twice/);
  });

  it("accepts the same function twice", () => {
    expect(defineFunctions(one, one).size).toBe(1);
  });

  it("merges into a new registry, leaving both inputs as they were", () => {
    const left = defineFunctions(one);
    const right = new FunctionRegistry([two]);
    const merged = left.merge(right);
    expect(merged.names()).toEqual(["demo.one", "demo.two"]);
    expect(left.names()).toEqual(["demo.one"]);
    expect([...merged]).toHaveLength(2);
  });
});
