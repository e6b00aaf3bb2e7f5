import { describe, expect, it } from "vitest";
import { bytesJsonSize, fromBytesJson, isBytesJson, toBytesJson } from "./bytes-json.ts";
import { decodeValue, encodeValue } from "./value-codec.ts";

describe("the JSON form of bytes", () => {
  it("round-trips bytes and reports their size without decoding", () => {
    const bytes = new Uint8Array([0, 1, 254, 255, 7]);
    const json = toBytesJson(bytes);
    expect(isBytesJson(json)).toBe(true);
    expect(fromBytesJson(json)).toEqual(bytes);
    expect(bytesJsonSize(json)).toBe(5);
  });

  it("is the form the value codec writes for nested bytes", () => {
    const frame = encodeValue({ image: new Uint8Array([1, 2]) });
    expect(new TextDecoder().decode(frame.subarray(1))).toBe(JSON.stringify({ image: toBytesJson(new Uint8Array([1, 2])) }));
    expect(decodeValue(frame)).toEqual({ image: new Uint8Array([1, 2]) });
  });

  it("recognises only one $bytes key holding text, and refuses text that is not base64", () => {
    expect(isBytesJson({ $bytes: "AA==", other: 1 })).toBe(false);
    expect(isBytesJson({ $bytes: 3 })).toBe(false);
    expect(isBytesJson([{ $bytes: "AA==" }])).toBe(false);
    expect(fromBytesJson({ $bytes: "not base64!" })).toBeNull();
  });
});
