/**
 * Local stand-in for the shared wire codec: a value is stored and moved as encoded bytes plus a content type.
 * JSON-able values become UTF-8 JSON; a `Uint8Array` travels as its raw bytes.
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
 * The bytes of a `Uint8Array` are not copied; callers that keep them must copy.
 */
export function encodeValue(value: unknown): EncodedValue {
  if (value instanceof Uint8Array) return { bytes: value, contentType: ValueContentType.Binary };
  const text = JSON.stringify(value) ?? "null";
  return { bytes: Buffer.from(text, "utf8"), contentType: ValueContentType.Json };
}

/** Decodes bytes produced by `encodeValue`. Binary values come back as a plain `Uint8Array` over the given bytes. */
export function decodeValue(bytes: Uint8Array, contentType: ValueContentType): unknown {
  switch (contentType) {
    case ValueContentType.Json:
      return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
    case ValueContentType.Binary:
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
