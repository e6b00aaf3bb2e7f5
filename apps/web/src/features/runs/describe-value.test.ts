import { describe, expect, it } from "vitest";
import { describeValue } from "./describe-value.ts";

const encode = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer;

describe("describeValue", () => {
  it("pretty-prints JSON", () => {
    expect(describeValue("application/json", encode('{"a":[1,2]}'))).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
  });
  it("summarises binary bodies by size", () => {
    expect(describeValue("application/octet-stream", new Uint8Array(10).buffer)).toBe("10 bytes of application/octet-stream");
  });
  it("summarises bytes carried in JSON", () => {
    expect(describeValue("application/json", encode('{"$bytes":"AAAA"}'))).toBe("bytes (3 bytes, base64)");
  });
});
