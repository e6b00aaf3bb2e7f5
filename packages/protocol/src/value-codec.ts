import { MAX_VALUE_DEPTH, valueDepthProblem } from "@handoff/core";
import { BYTES_JSON_KEY, fromBase64, toBase64 } from "./bytes-json.ts";
import { formatPath } from "./format-issues.ts";
import { describeKind, isPlainObject } from "./json-value.ts";

/**
 * The first byte of every encoded value says how the rest reads: `J` = UTF-8 JSON, `B` = raw bytes.
 * A top-level `Uint8Array` therefore travels as itself, with no base64 inflation.
 */
export const ValueFrame = { Json: 0x4a, Bytes: 0x42 } as const;
export type ValueFrame = (typeof ValueFrame)[keyof typeof ValueFrame];

/** Thrown when a value cannot travel (a function, bigint, NaN, Map, cycle…) or bytes are not a valid frame. */
export class ValueCodecError extends Error {
  override readonly name = "ValueCodecError";
  /** Where in the value the problem sits, like `rows[2].data`; `""` for the value itself. */
  readonly path: string;
  constructor(path: string, problem: string, action: "encode" | "decode" = "encode") {
    super(path === "" ? `cannot ${action} value: ${problem}` : `cannot ${action} value at ${path}: ${problem}`);
    this.path = path;
  }
}

const ESCAPE_KEY = "$escape";
const PREVIEW_HEX_BYTES = 32;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes anything JSON can hold, plus `Uint8Array` (top-level or nested), into one frame of bytes.
 * Nested byte arrays become `{"$bytes": "<base64>"}`; JSON's own rules apply to `undefined` (an array
 * slot becomes `null`, an object field is dropped, the value itself becomes `null`). `-0` stays `-0` (it is
 * written as `-0`, which JSON allows and `JSON.parse` keeps). Anything else that
 * JSON would silently mangle (NaN, Infinity, bigint, functions, Dates, Maps, cycles) is rejected with a
 * `ValueCodecError` naming its path.
 * @example decodeValue(encodeValue({ image: new Uint8Array([1, 2]) })) // { image: Uint8Array [1, 2] }
 */
export function encodeValue(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) {
    const out = new Uint8Array(value.byteLength + 1);
    out[0] = ValueFrame.Bytes;
    out.set(value, 1);
    return out;
  }
  return jsonFrame(toJsonText(value, bytesToJson).text);
}

function jsonFrame(text: string): Uint8Array {
  const json = utf8Encoder.encode(text);
  const out = new Uint8Array(json.byteLength + 1);
  out[0] = ValueFrame.Json;
  out.set(json, 1);
  return out;
}

/**
 * Decodes one frame made by `encodeValue`. A top-level byte value is returned as a view into `bytes`
 * (no copy), so do not reuse the buffer afterwards.
 */
export function decodeValue(bytes: Uint8Array): unknown {
  const tag = bytes[0];
  if (tag === undefined) throw new ValueCodecError("", "empty frame", "decode");
  const body = new Uint8Array(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1);
  switch (tag) {
    case ValueFrame.Bytes:
      return body;
    case ValueFrame.Json: {
      let text: string;
      try {
        text = utf8Decoder.decode(body);
      } catch {
        throw new ValueCodecError("", "frame is not valid UTF-8 JSON", "decode");
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new ValueCodecError("", `frame is not valid JSON (${(error as Error).message})`, "decode");
      }
      // JSON.parse itself does not recurse; revive does, so the depth is checked first.
      const deep = valueDepthProblem(parsed);
      if (deep !== null) throw new ValueCodecError(formatPath([...deep.path]), deep.message, "decode");
      return revive(parsed);
    }
    default:
      throw new ValueCodecError("", `unknown frame tag 0x${tag.toString(16).padStart(2, "0")}`, "decode");
  }
}

/** The size of the value's encoded payload in bytes (the 1-byte frame tag not counted). */
export function valueSize(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  return utf8Encoder.encode(toJsonText(value, bytesToJson).text).byteLength;
}

/**
 * A short, human-readable rendering for the dashboard: JSON text cut to `maxBytes` UTF-8 bytes (never
 * inside a character), binary as `<N bytes: hex of the first 32>`. `exact` says the preview is the value's whole JSON
 * text (no bytes in it, nothing cut): `JSON.parse(preview)` is what reading the stored value gives.
 * @example previewValue(new Uint8Array([255, 0])) // { preview: "<2 bytes: ff 00>", truncated: false, sizeBytes: 2, exact: false }
 */
export function previewValue(value: unknown, maxBytes = 4096): ValuePreview {
  if (value instanceof Uint8Array) return bytesPreview(value);
  const encoded = toJsonText(value, bytesToJson);
  return previewOfJson(value, encoded, utf8Encoder.encode(encoded.text).byteLength, maxBytes);
}

export type ValuePreview = { preview: string; truncated: boolean; sizeBytes: number; exact: boolean };

/**
 * `encodeValue` and `previewValue` of one value from a single walk and UTF-8 encoding of its JSON text (an agent
 * stores and previews every result: doing it twice was a few percent of its main thread on no-op tasks).
 * @example encodeWithPreview({ a: 1 }).preview // { preview: '{"a":1}', truncated: false, sizeBytes: 7, exact: true }
 */
export function encodeWithPreview(value: unknown, maxBytes = 4096): { frame: Uint8Array; preview: ValuePreview } {
  if (value instanceof Uint8Array) return { frame: encodeValue(value), preview: bytesPreview(value) };
  const encoded = toJsonText(value, bytesToJson);
  const frame = jsonFrame(encoded.text);
  return { frame, preview: previewOfJson(value, encoded, frame.byteLength - 1, maxBytes) };
}

function bytesPreview(value: Uint8Array): ValuePreview {
  return { preview: describeBytes(value), truncated: value.byteLength > PREVIEW_HEX_BYTES, sizeBytes: value.byteLength, exact: false };
}

/** The preview of a value whose JSON text (with bytes as `$bytes`) is `encoded`, `sizeBytes` long in UTF-8. */
function previewOfJson(value: unknown, encoded: { text: string; hasBytes: boolean }, sizeBytes: number, maxBytes: number): ValuePreview {
  let text = encoded.text;
  let truncated = false;
  if (encoded.hasBytes) {
    text = toJsonText(value, (bytes) => JSON.stringify(describeBytes(bytes))).text;
    truncated = containsLongBytes(value);
  }
  // A text of at most maxBytes / 3 UTF-16 units fits in maxBytes of UTF-8 (3 bytes per unit at most): no cut to look for.
  if (text.length * 3 > maxBytes) {
    const limit = new Uint8Array(Math.max(0, maxBytes));
    const { read } = utf8Encoder.encodeInto(text, limit);
    if (read < text.length) {
      text = text.slice(0, read);
      truncated = true;
    }
  }
  // Without bytes and uncut, the preview is the value's whole JSON text, as stored (`encodeValue`'s payload).
  return { preview: text, truncated, sizeBytes, exact: !encoded.hasBytes && !truncated };
}

/** The preview of a byte value of `size` bytes known only by its first bytes (a result written as a stream). */
export function previewBytesHead(head: Uint8Array, size: number): { preview: string; truncated: boolean; sizeBytes: number; exact: boolean } {
  // Bytes are never exact: their preview is a description, not the value.
  return { preview: describeBytes(head, size), truncated: size > PREVIEW_HEX_BYTES, sizeBytes: size, exact: false };
}

function describeBytes(bytes: Uint8Array, size = bytes.byteLength): string {
  const head = Array.from(bytes.subarray(0, PREVIEW_HEX_BYTES), (b) => b.toString(16).padStart(2, "0")).join(" ");
  const more = size > PREVIEW_HEX_BYTES ? " …" : "";
  return `<${size} bytes${size === 0 ? "" : `: ${head}${more}`}>`;
}

function containsLongBytes(value: unknown): boolean {
  if (value instanceof Uint8Array) return value.byteLength > PREVIEW_HEX_BYTES;
  if (Array.isArray(value)) return value.some(containsLongBytes);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsLongBytes);
  return false;
}

function bytesToJson(bytes: Uint8Array): string {
  return `{"${BYTES_JSON_KEY}":"${toBase64(bytes)}"}`;
}

function toJsonText(value: unknown, renderBytes: (bytes: Uint8Array) => string): { text: string; hasBytes: boolean } {
  const path: (string | number)[] = [];
  const ancestors = new Set<object>();
  let hasBytes = false;
  const fail = (problem: string): never => {
    throw new ValueCodecError(formatPath(path), problem);
  };
  const write = (v: unknown): string | undefined => {
    switch (typeof v) {
      case "string":
        return JSON.stringify(v);
      case "boolean":
        return v ? "true" : "false";
      case "number":
        if (!Number.isFinite(v)) return fail(`${String(v)} is not a JSON number`);
        // JSON.stringify(-0) is "0"; "-0" is valid JSON and JSON.parse keeps its sign.
        return Object.is(v, -0) ? "-0" : JSON.stringify(v);
      case "undefined":
        return undefined;
      case "bigint":
      case "symbol":
      case "function":
        return fail(`${describeKind(v)} is not a JSON value`);
      case "object": {
        if (v === null) return "null";
        if (v instanceof Uint8Array) {
          hasBytes = true;
          return renderBytes(v);
        }
        if (ancestors.has(v)) return fail("cyclic reference");
        if (path.length >= MAX_VALUE_DEPTH) return fail(`nests deeper than ${MAX_VALUE_DEPTH} levels`);
        if (Array.isArray(v)) {
          ancestors.add(v);
          const parts: string[] = [];
          for (let i = 0; i < v.length; i++) {
            path.push(i);
            parts.push(write(v[i]) ?? "null");
            path.pop();
          }
          ancestors.delete(v);
          return `[${parts.join(",")}]`;
        }
        if (!isPlainObject(v)) return fail(`${describeKind(v)} is not a JSON value`);
        ancestors.add(v);
        const parts: string[] = [];
        for (const [key, child] of Object.entries(v)) {
          path.push(key);
          const text = write(child);
          path.pop();
          if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
        }
        ancestors.delete(v);
        const body = `{${parts.join(",")}}`;
        // A user object that looks like one of our markers is wrapped so it decodes as itself.
        const keys = Object.keys(v);
        const looksLikeMarker = keys.length === 1 && (keys[0] === BYTES_JSON_KEY || keys[0] === ESCAPE_KEY);
        return looksLikeMarker ? `{"${ESCAPE_KEY}":${body}}` : body;
      }
    }
  };
  return { text: write(value) ?? "null", hasBytes };
}

function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive);
  if (v === null || typeof v !== "object") return v;
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1) {
    const only = record[keys[0] as string];
    if (keys[0] === BYTES_JSON_KEY && typeof only === "string") return decodeBase64(only);
    if (keys[0] === ESCAPE_KEY && only !== null && typeof only === "object" && !Array.isArray(only)) {
      return reviveFields(only as Record<string, unknown>);
    }
  }
  return reviveFields(record);
}

function reviveFields(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) {
    // defineProperty keeps a "__proto__" key an ordinary field, as JSON.parse made it.
    Object.defineProperty(out, key, { value: revive(child), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function decodeBase64(text: string): Uint8Array {
  const bytes = fromBase64(text);
  if (bytes === null) throw new ValueCodecError("", "invalid base64 in a $bytes field", "decode");
  return bytes;
}
