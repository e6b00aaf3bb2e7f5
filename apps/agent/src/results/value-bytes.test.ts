import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue, ValueContentType } from "./value-bytes.ts";

describe("when a JSON-able value is encoded", () => {
  it("stores UTF-8 JSON that decodes to an equal value", () => {
    const value = { name: "größe", list: [1, 2.5, null, true], nested: { empty: {} } };
    const encoded = encodeValue(value);
    expect(encoded.contentType).toBe(ValueContentType.Json);
    expect(Buffer.from(encoded.bytes).toString("utf8")).toBe(JSON.stringify(value));
    expect(decodeValue(encoded.bytes, encoded.contentType)).toEqual(value);
  });

  it("stores undefined as null", () => {
    const encoded = encodeValue(undefined);
    expect(decodeValue(encoded.bytes, encoded.contentType)).toBeNull();
  });
});

describe("when a Uint8Array is encoded", () => {
  it("keeps its raw bytes and decodes to a plain Uint8Array", () => {
    const bytes = Uint8Array.from([0, 1, 254, 255]);
    const encoded = encodeValue(bytes);
    expect(encoded.contentType).toBe(ValueContentType.Binary);
    const decoded = decodeValue(encoded.bytes, encoded.contentType);
    expect(decoded).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(decoded)).toBe(false);
    expect(Array.from(decoded as Uint8Array)).toEqual([0, 1, 254, 255]);
  });
});

describe("when a JSON value holds byte arrays", () => {
  it("round-trips them as bytes, not as index-keyed objects", () => {
    const value = { image: Uint8Array.from([1, 2, 3]), rows: [Uint8Array.from([255])] };
    const encoded = encodeValue(value);
    expect(encoded.contentType).toBe(ValueContentType.Json);
    expect(decodeValue(encoded.bytes, encoded.contentType)).toEqual(value);
  });

  it("rejects a value JSON would mangle, naming where it is", () => {
    expect(() => encodeValue({ rows: [1, Number.NaN] })).toThrow(/rows\[1\]/);
  });
});
