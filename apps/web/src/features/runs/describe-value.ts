import { bytesJsonSize, isBytesJson } from "@handoff/protocol";
/** Whether a result may be shown inline after loading it, given its size and type. */
export const MAX_INLINE_VALUE_BYTES = 2 * 1024 * 1024;

/**
 * Renders a loaded result for the panel: JSON pretty-printed, `{ $bytes }` and binary bodies summarised
 * by their size (never dumped as text).
 */
export function describeValue(contentType: string, body: ArrayBuffer): string {
  if (!contentType.includes("json")) return `${body.byteLength} bytes of ${contentType || "binary data"}`;
  const text = new TextDecoder().decode(body);
  try {
    const value: unknown = JSON.parse(text);
    if (isBytesJson(value)) return `bytes (${bytesJsonSize(value)} bytes, base64)`;
    return JSON.stringify(value, null, 2);
  } catch {
    return text;
  }
}
