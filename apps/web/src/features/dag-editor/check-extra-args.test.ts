import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkExtraArgs } from "./check-extra-args.ts";

// Written the way the SDK's defineFunction announces params.
const repeat = z.toJSONSchema(z.tuple([z.number().int().nonnegative(), z.string().optional()]), { io: "input" }) as Record<string, unknown>;

describe("checkExtraArgs", () => {
  it("accepts args that match the function's parameters", () => {
    expect(checkExtraArgs("[3, \"x\"]", repeat)).toEqual({ ok: true, value: [3, "x"] });
  });
  it("names the argument that does not match", () => {
    const result = checkExtraArgs("[\"three\"]", repeat);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^\[0\]: /);
  });
  it("rejects a negative count", () => {
    expect(checkExtraArgs("[-1]", repeat).ok).toBe(false);
  });
  it("accepts any list when the function declares no parameters", () => {
    expect(checkExtraArgs("[{\"a\": 1}, null]", undefined)).toEqual({ ok: true, value: [{ a: 1 }, null] });
  });
  it("treats an empty field as no extra args, which the params may refuse", () => {
    expect(checkExtraArgs("  ", undefined)).toEqual({ ok: true, value: [] });
    expect(checkExtraArgs("  ", repeat)).toEqual({ ok: false, message: "needs at least 1 item, got 0" });
  });
  it("refuses std.constant's empty field: its params say it needs its value", () => {
    const constant = z.toJSONSchema(z.tuple([z.unknown()]), { io: "input" }) as Record<string, unknown>;
    expect(checkExtraArgs("", constant)).toEqual({ ok: false, message: "needs at least 1 item, got 0" });
  });
  it("explains text that is not a JSON list", () => {
    expect(checkExtraArgs("{\"a\": 1}", undefined)).toEqual({ ok: false, message: 'extra args must be a JSON list, e.g. [1, "two"]' });
    const broken = checkExtraArgs("[1,", undefined);
    expect(broken.ok === false && broken.message.startsWith("not valid JSON")).toBe(true);
  });
});
