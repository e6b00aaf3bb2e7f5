import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatJsonSchemaIssues, validateJsonSchema } from "./json-schema.ts";

const schemaOf = (type: z.ZodType) => z.toJSONSchema(type, { io: "input" }) as Record<string, unknown>;

describe("validateJsonSchema", () => {
  it("accepts a value that matches", () => {
    expect(validateJsonSchema(schemaOf(z.tuple([z.number(), z.string().optional()])), [1])).toEqual([]);
  });

  it("says how many items a list needs when it has too few or too many", () => {
    expect(validateJsonSchema(schemaOf(z.tuple([z.unknown()])), [])).toEqual([{ path: "", message: "needs at least 1 item, got 0" }]);
    expect(validateJsonSchema(schemaOf(z.tuple([z.number()])), [1, 2, 3])).toEqual([{ path: "", message: "takes at most 1 item, got 3" }]);
  });

  it("names the position of a wrong item, not only the list around it", () => {
    const issues = validateJsonSchema(schemaOf(z.tuple([z.number().nonnegative()])), ["x"]);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("[0]");
    expect(issues[0]!.message).toMatch(/number/);
  });

  it("names object keys with a dot", () => {
    const issues = validateJsonSchema(schemaOf(z.tuple([z.object({ width: z.number() })])), [{ width: "wide" }]);
    expect(formatJsonSchemaIssues(issues)).toMatch(/^\[0\]\.width: /);
  });

  it("reports a union mismatch once", () => {
    const issues = validateJsonSchema(schemaOf(z.array(z.union([z.number(), z.array(z.number())]))), [1, "a"]);
    expect(issues).toEqual([{ path: "[1]", message: "matches none of the accepted forms" }]);
  });

  it("accepts everything when the schema cannot be read", () => {
    expect(validateJsonSchema({ $ref: "#/nowhere" }, [1])).toEqual([]);
  });
});
