import { isPlainObject } from "./json-value.ts";

/** The key of the JSON form of bytes: `{ "$bytes": "<base64>" }`. */
export const BYTES_JSON_KEY = "$bytes";

/** Bytes where only JSON can travel (the API's values, nested byte arrays in the value codec). */
export interface BytesJson {
  readonly $bytes: string;
}

/**
 * The JSON form of bytes, `{ $bytes: base64 }`: the one way bytes are written where only JSON travels (the value
 * codec's nested byte arrays, `results.value`, `results.store`).
 * @example toBytesJson(new Uint8Array([1, 2])) // { $bytes: "AQI=" }
 */
export function toBytesJson(bytes: Uint8Array): BytesJson {
  return { $bytes: toBase64(bytes) };
}

/** Whether `value` is exactly the JSON form of bytes (one `$bytes` key holding text). */
export function isBytesJson(value: unknown): value is BytesJson {
  if (typeof value !== "object" || value === null || Array.isArray(value) || !isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === BYTES_JSON_KEY && typeof value[BYTES_JSON_KEY] === "string";
}

/** The bytes of `{ $bytes }`; `null` when the text is not base64. */
export function fromBytesJson(value: BytesJson): Uint8Array | null {
  return fromBase64(value.$bytes);
}

/** How many bytes `{ $bytes }` holds, without decoding it. */
export function bytesJsonSize(value: BytesJson): number {
  const text = value.$bytes;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((text.length * 3) / 4) - padding);
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.byteLength; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
