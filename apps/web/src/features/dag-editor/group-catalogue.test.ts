import { describe, expect, it } from "vitest";
import type { FunctionMeta } from "@handoff/protocol";
import { groupCatalogue } from "./group-catalogue.ts";

function entry(name: string, description?: string): { fn: FunctionMeta; machines: string[] } {
  const namespace = name.slice(0, name.lastIndexOf("."));
  return { fn: { name, namespace, inputs: { kind: "variadic" }, codeHash: "h", ...(description === undefined ? {} : { description }) }, machines: ["m1"] };
}

const catalogue = [entry("std.sum", "adds numbers"), entry("image.resize", "scales an image"), entry("std.constant", "returns its argument"), entry("image.crop")];

describe("groupCatalogue", () => {
  it("groups by namespace, sorted", () => {
    expect(groupCatalogue(catalogue, "").map((g) => [g.namespace, g.entries.map((e) => e.fn.name)])).toEqual([
      ["image", ["image.crop", "image.resize"]],
      ["std", ["std.constant", "std.sum"]],
    ]);
  });
  it("searches names and descriptions, every word must match", () => {
    expect(groupCatalogue(catalogue, "ADDS").flatMap((g) => g.entries.map((e) => e.fn.name))).toEqual(["std.sum"]);
    expect(groupCatalogue(catalogue, "image scales").flatMap((g) => g.entries.map((e) => e.fn.name))).toEqual(["image.resize"]);
    expect(groupCatalogue(catalogue, "nothing-like-this")).toEqual([]);
  });
});
