import { describe, expect, it } from "vitest";
import { parseParamFlags } from "./param-flags.ts";
import { UsageError } from "./args.ts";

const declared = {
  n: { type: "integer" as const, minimum: 1 },
  scale: { type: "number" as const },
  label: { type: "string" as const },
  fast: { type: "boolean" as const },
  tags: { type: "array" as const },
  meta: { type: "object" as const },
};

describe("--param flags", () => {
  it("read each value as its declared type", () => {
    expect(parseParamFlags(["n=3", "scale=0.5", "label=", "fast=true", 'tags=["x",1]', 'meta={"k":null}'], declared)).toEqual({
      n: 3,
      scale: 0.5,
      label: "",
      fast: true,
      tags: ["x", 1],
      meta: { k: null },
    });
  });

  it("name what is wrong: no value, undeclared, not of its type, given twice", () => {
    const cases: [string[], RegExp][] = [
      [["n"], /^--param n: expected NAME=VALUE/],
      [["m=1"], /^--param m: the DAG declares no param "m" \(it declares n, scale, label, fast, tags, meta\)/],
      [["n=three"], /^--param n=three: n is a number \(integer\), "three" is not one/],
      [["n=1.5"], /^--param n=1\.5: n is an integer/],
      [["fast=yes"], /^--param fast=yes: fast is a boolean/],
      [["tags={}"], /^--param tags=\{\}: tags is an array written as JSON/],
      [["meta=nope"], /^--param meta=nope: meta is an object written as JSON \(/],
      [["n=1", "n=2"], /^--param n: given twice/],
    ];
    for (const [flags, message] of cases) {
      expect(() => parseParamFlags(flags, declared)).toThrow(UsageError);
      expect(() => parseParamFlags(flags, declared)).toThrow(message);
    }
  });
});
