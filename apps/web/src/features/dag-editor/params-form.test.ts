import { describe, expect, it } from "vitest";
import { fieldText, paramFields, readField, withArg } from "./params-form.ts";

const sleep = { type: "array", prefixItems: [{ type: "number", minimum: 0, title: "ms", description: "milliseconds to wait" }, { title: "value" }], minItems: 1, maxItems: 2 };

describe("paramFields", () => {
  it("makes one field per position, titled, with its kind and whether it is required", () => {
    expect(paramFields(sleep)).toEqual([
      { index: 0, title: "ms", description: "milliseconds to wait", kind: "number", isRequired: true },
      { index: 1, title: "value", kind: "json", isRequired: false },
    ]);
  });
  it("has no form for a variadic list or no schema", () => {
    expect(paramFields({ type: "array", items: { type: "number" } })).toBeNull();
    expect(paramFields(undefined)).toBeNull();
  });
});

describe("reading and writing a field", () => {
  const [ms, value] = paramFields(sleep)!;
  it("reads numbers, refuses text in a number field, and reads JSON or plain text elsewhere", () => {
    expect(readField(ms!, " 250 ")).toEqual({ ok: true, value: 250 });
    expect(readField(ms!, "soon")).toEqual({ ok: false, message: "not a number" });
    expect(readField(value!, '{"a":1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(readField(value!, "done")).toEqual({ ok: true, value: "done" });
    expect(readField(value!, "")).toEqual({ ok: true, value: undefined });
  });
  it("shows a value as the text that reads back to it", () => {
    expect(fieldText(value!, "done")).toBe('"done"');
    expect(readField(value!, fieldText(value!, "done"))).toEqual({ ok: true, value: "done" });
  });
  it("sets one position, filling gaps with null and dropping empty trailing ones", () => {
    expect(withArg([], 1, "x")).toEqual([null, "x"]);
    expect(withArg([5, "x"], 1, undefined)).toEqual([5]);
  });
});
