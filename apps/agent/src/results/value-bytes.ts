import { decodeValue as decodeFrame, encodeValue as encodeFrame, encodeWithPreview, ValueFrame, type ValuePreview } from "@handoff/protocol";

/**
 * How a value is stored and moved between agents: the shared codec's payload (`@handoff/protocol` `encodeValue`)
 * without its one-byte frame tag, which travels as the content type instead. JSON-able values (nested `Uint8Array`
 * included, in protocol's `{"$bytes": base64}` form, `toBytesJson`) become UTF-8 JSON; a top-level `Uint8Array` travels as its raw bytes.
 */
export const ValueContentType = {
  Json: "application/json",
  Binary: "application/octet-stream",
} as const;
export type ValueContentType = (typeof ValueContentType)[keyof typeof ValueContentType];

export type EncodedValue = { readonly bytes: Uint8Array; readonly contentType: ValueContentType };

export function isValueContentType(value: unknown): value is ValueContentType {
  return value === ValueContentType.Json || value === ValueContentType.Binary;
}

/**
 * Encodes a value. `undefined` (a function that returned nothing) is stored as JSON `null`, since JSON cannot hold it.
 * Values JSON would mangle (NaN, bigint, Map, cycles…) throw the codec's `ValueCodecError` naming the path.
 * The bytes of a `Uint8Array` are not copied; callers that keep them must copy.
 */
export function encodeValue(value: unknown): EncodedValue {
  if (value instanceof Uint8Array) return { bytes: value, contentType: ValueContentType.Binary };
  const frame = encodeFrame(value);
  return { bytes: frame.subarray(1), contentType: ValueContentType.Json };
}

/**
 * A JSON-able value (not a top-level `Uint8Array`) encoded as `encodeValue` does, with its preview (`previewValue`)
 * made from the same JSON text: one walk of the value instead of two.
 */
export function encodeJsonWithPreview(value: unknown, maxBytes: number): { readonly encoded: EncodedValue; readonly preview: ValuePreview } {
  const { frame, preview } = encodeWithPreview(value, maxBytes);
  return { encoded: { bytes: frame.subarray(1), contentType: ValueContentType.Json }, preview };
}

/** Decodes bytes produced by `encodeValue`. Binary values come back as a plain `Uint8Array` over the given bytes. */
export function decodeValue(bytes: Uint8Array, contentType: ValueContentType): unknown {
  switch (contentType) {
    case ValueContentType.Json: {
      const frame = new Uint8Array(bytes.byteLength + 1);
      frame[0] = ValueFrame.Json;
      frame.set(bytes, 1);
      return decodeFrame(frame);
    }
    case ValueContentType.Binary:
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
