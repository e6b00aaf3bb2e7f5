import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValueCodecError, ValueFrame, decodeValue, encodeValue, encodeWithPreview, previewValue, valueSize } from "./value-codec.ts";

const roundTrip = (v: unknown): unknown => decodeValue(encodeValue(v));
const containsBytes = (v: unknown): boolean =>
  v instanceof Uint8Array || (Array.isArray(v) ? v.some(containsBytes) : v !== null && typeof v === "object" && Object.values(v).some(containsBytes));

/** JSON values with Uint8Arrays mixed in at any depth. */
const valueWithBytes = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.jsonValue({ maxDepth: 2 }),
    fc.uint8Array({ maxLength: 64 }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("when values round-trip through the codec", () => {
  it("returns every JSON value unchanged", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(roundTrip(v)).toEqual(v);
      }),
    );
  });

  it("returns JSON values with nested byte arrays unchanged", () => {
    fc.assert(
      fc.property(valueWithBytes, (v) => {
        expect(roundTrip(v)).toEqual(v);
      }),
    );
  });

  it("returns any byte array unchanged", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const back = roundTrip(bytes);
        expect(back).toBeInstanceOf(Uint8Array);
        expect(back).toEqual(bytes);
      }),
    );
  });

  it("keeps the sign of -0, at the top and nested (fast-check once found {\"\": -0})", () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.is((roundTrip({ "": -0 }) as Record<string, unknown>)[""], -0)).toBe(true);
    expect(Object.is((roundTrip([0, -0]) as unknown[])[0], 0)).toBe(true);
  });

  it("keeps user objects that look like its own markers", () => {
    const tricky = [{ $bytes: "AAEC" }, { $escape: { a: 1 } }, { $bytes: 5 }, { __proto__: null, $escape: [] }];
    expect(roundTrip(tricky)).toEqual(tricky);
  });

  it("keeps a __proto__ key as an ordinary field", () => {
    const v = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    const back = roundTrip(v) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["__proto__", "a"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("when a top-level byte array is encoded", () => {
  it("sends the raw bytes after a one-byte tag, without base64", () => {
    const encoded = encodeValue(new Uint8Array([1, 2, 3]));
    expect(Array.from(encoded)).toEqual([ValueFrame.Bytes, 1, 2, 3]);
  });

  it("decodes a Buffer's bytes as a plain Uint8Array", () => {
    const back = roundTrip(Buffer.from([9, 8]));
    expect(Buffer.isBuffer(back)).toBe(false);
    expect(back).toEqual(new Uint8Array([9, 8]));
  });
});

describe("when JSON values are encoded", () => {
  it("writes UTF-8 JSON after the JSON tag and nests bytes as base64", () => {
    const encoded = encodeValue({ a: new Uint8Array([0, 1, 2]) });
    expect(encoded[0]).toBe(ValueFrame.Json);
    expect(new TextDecoder().decode(encoded.subarray(1))).toBe('{"a":{"$bytes":"AAEC"}}');
  });

  it("follows JSON for undefined: null in arrays, dropped in objects, null at the top", () => {
    expect(roundTrip([1, undefined, 2])).toEqual([1, null, 2]);
    expect(roundTrip({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(roundTrip(undefined)).toBeNull();
  });
});

describe("when a value cannot travel", () => {
  const cases: [string, unknown, string, RegExp][] = [
    ["a function", { steps: [1, () => 2] }, "steps[1]", /function is not a JSON value/],
    ["a bigint", { n: 10n }, "n", /bigint is not a JSON value/],
    ["NaN", [Number.NaN], "[0]", /NaN is not a JSON number/],
    ["a Date", { at: new Date(0) }, "at", /Date is not a JSON value/],
    ["a Map", new Map(), "", /Map is not a JSON value/],
    ["a symbol", { s: Symbol("x") }, "s", /symbol is not a JSON value/],
  ];
  for (const [what, value, path, message] of cases) {
    it(`rejects ${what}, naming its path`, () => {
      let caught: unknown;
      try {
        encodeValue(value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ValueCodecError);
      expect((caught as ValueCodecError).path).toBe(path);
      expect((caught as ValueCodecError).message).toMatch(message);
    });
  }

  it("rejects a cycle, naming where it closes", () => {
    const node: { next?: unknown } = {};
    node.next = { back: node };
    expect(() => encodeValue(node)).toThrow("cannot encode value at next.back: cyclic reference");
  });

  it("accepts the same object twice when it is shared, not cyclic", () => {
    const shared = { x: 1 };
    expect(roundTrip([shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
  });
});

describe("when bytes are not a valid frame", () => {
  it("rejects an empty frame, an unknown tag and broken JSON", () => {
    expect(() => decodeValue(new Uint8Array())).toThrow(/empty frame/);
    expect(() => decodeValue(new Uint8Array([0x00, 1]))).toThrow(/unknown frame tag 0x00/);
    expect(() => decodeValue(new Uint8Array([ValueFrame.Json, 0x7b]))).toThrow(/not valid JSON/);
    expect(() => decodeValue(new Uint8Array([ValueFrame.Json, 0xff]))).toThrow(/not valid UTF-8/);
  });
});

describe("when a value is previewed", () => {
  it("shows small JSON whole", () => {
    expect(previewValue({ a: [1, 2] })).toEqual({ preview: '{"a":[1,2]}', truncated: false, sizeBytes: 11, exact: true });
  });

  it("shows binary as a size and the hex of its first 32 bytes", () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i);
    const { preview, truncated, sizeBytes } = previewValue(bytes);
    expect(preview).toBe(`<40 bytes: ${Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, "0")).join(" ")} …>`);
    expect(truncated).toBe(true);
    expect(sizeBytes).toBe(40);
    expect(previewValue(new Uint8Array([255, 0]))).toEqual({ preview: "<2 bytes: ff 00>", truncated: false, sizeBytes: 2, exact: false });
  });

  it("shows nested binary the same way while counting its real encoded size", () => {
    const value = { img: new Uint8Array([1, 2, 3]) };
    const { preview, sizeBytes, exact } = previewValue(value);
    expect(preview).toBe('{"img":"<3 bytes: 01 02 03>"}');
    expect(exact).toBe(false); // the preview describes the bytes; it is not the value
    expect(sizeBytes).toBe(valueSize(value));
  });

  it("cuts long text at the byte limit without splitting a character", () => {
    const { preview, truncated, sizeBytes } = previewValue("é".repeat(100), 11);
    expect(truncated).toBe(true);
    expect(preview).toBe(`"${"é".repeat(5)}`);
    expect(sizeBytes).toBe(202);
  });

  it("says it is exact only when it is the stored value's whole JSON text", () => {
    fc.assert(
      fc.property(valueWithBytes, fc.integer({ min: 0, max: 256 }), (v, max) => {
        const { preview, exact } = previewValue(v, max);
        const stored = new TextDecoder().decode(encodeValue(v).subarray(1));
        expect(exact).toBe(!containsBytes(v) && preview === stored);
        if (exact) expect(JSON.parse(preview)).toEqual(JSON.parse(stored));
      }),
    );
  });

  it("never exceeds the byte limit", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 64 }), (v, max) => {
        const { preview, truncated, sizeBytes } = previewValue(v, max);
        expect(new TextEncoder().encode(preview).byteLength).toBeLessThanOrEqual(max);
        expect(truncated).toBe(sizeBytes > max);
      }),
    );
  });
});

describe("when a value's size is asked for", () => {
  it("counts the encoded payload without the frame tag", () => {
    fc.assert(
      fc.property(valueWithBytes, (v) => {
        expect(valueSize(v)).toBe(encodeValue(v).byteLength - 1);
      }),
    );
  });
});

describe("when a value is encoded with its preview", () => {
  it("gives the frame encodeValue gives and the preview previewValue gives", () => {
    fc.assert(
      fc.property(valueWithBytes, fc.integer({ min: 0, max: 64 }), (v, max) => {
        const both = encodeWithPreview(v, max);
        expect(both.frame).toEqual(encodeValue(v));
        expect(both.preview).toEqual(previewValue(v, max));
      }),
    );
  });

  it("cuts a long text at the limit and keeps a short one whole", () => {
    const long = "é".repeat(3000);
    expect(encodeWithPreview(long).preview).toEqual({ preview: `"${"é".repeat(2047)}`, truncated: true, sizeBytes: 6002, exact: false });
    expect(encodeWithPreview({ a: 1 }).preview).toEqual({ preview: '{"a":1}', truncated: false, sizeBytes: 7, exact: true });
  });
});
