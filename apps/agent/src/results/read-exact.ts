import type { Readable } from "node:stream";

/**
 * Reads a stream that must carry exactly `size` bytes into one preallocated buffer (no intermediate copies), in shared
 * memory when `isShared` (a worker thread can then receive it without a copy).
 * Throws when the stream carries more or fewer bytes: a truncated transfer is broken infrastructure, not data.
 */
export async function readExact(readable: Readable, size: number, options?: { readonly isShared?: boolean }): Promise<Uint8Array> {
  const target = new Uint8Array(options?.isShared === true ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  let offset = 0;
  for await (const chunk of readable as AsyncIterable<Uint8Array | string>) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (offset + bytes.byteLength > size) {
      readable.destroy();
      throw new Error(`stream carried more than the announced ${size} bytes`);
    }
    target.set(bytes, offset);
    offset += bytes.byteLength;
  }
  if (offset !== size) throw new Error(`stream ended after ${offset} of the announced ${size} bytes`);
  return target;
}
