import { createReadStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { Readable } from "node:stream";
export { isByteStream } from "@handoff/sdk";
import type { ResolvedInput, StreamedResult } from "./worker-messages.ts";

const CHUNK_BYTES = 1024 * 1024;
/** The first bytes of a streamed result kept for its preview (the report's preview is at most 4 KiB). */
const HEAD_BYTES = 4096;

/**
 * What a function receives for an input it takes as a stream or a file: a `Readable` of the value's encoded bytes
 * (read from the store's file, or over bytes the store held in memory), or the file's path.
 */
export function openStoredInput(input: Extract<ResolvedInput, { kind: "stored" }>): unknown {
  if (input.as === "path") return input.path;
  if (input.path !== undefined) return createReadStream(input.path, { highWaterMark: CHUNK_BYTES });
  const bytes = input.bytes ?? new Uint8Array();
  function* chunks(): Generator<Buffer> {
    for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES) {
      yield Buffer.from(bytes.buffer, bytes.byteOffset + offset, Math.min(CHUNK_BYTES, bytes.byteLength - offset));
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/**
 * Writes a result given as a stream of `Uint8Array` chunks to `path`, one chunk at a time (never whole in memory).
 * On any failure (a chunk that is not bytes, the signal, the disk) the file is removed and the error thrown.
 */
export async function writeByteStream(stream: AsyncIterable<unknown>, path: string, signal: AbortSignal): Promise<StreamedResult> {
  const file = await open(path, "wx", 0o600);
  const head = new Uint8Array(HEAD_BYTES);
  let size = 0;
  try {
    for await (const chunk of stream) {
      signal.throwIfAborted();
      if (!(chunk instanceof Uint8Array)) throw new TypeError(`a streamed result must yield Uint8Array chunks; chunk at byte ${size} is ${describe(chunk)}`);
      if (size < HEAD_BYTES) head.set(chunk.subarray(0, HEAD_BYTES - size), size);
      for (let written = 0; written < chunk.byteLength; ) written += (await file.write(chunk, written)).bytesWritten;
      size += chunk.byteLength;
    }
    await file.close();
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  return { size, head: head.slice(0, Math.min(size, HEAD_BYTES)) };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return "a string (encode it: Buffer.from(text))";
  return typeof value === "object" ? `a ${value.constructor?.name ?? "object"}` : `a ${typeof value}`;
}
