import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { encodeValue, inputDelivery } from "@handoff/protocol";
import type { HandoffFunction } from "./handoff-function.ts";

/**
 * In-process (`executeLocal`), the same contract as on an agent: an input a function takes as a `stream` is a
 * `Readable` of the value's encoded bytes (a `Uint8Array`'s raw bytes, anything else its UTF-8 JSON), as a `path` a
 * read-only file holding them (in a temp folder removed by `cleanUp`).
 */
export function createLocalDelivery(): { deliver: (fn: HandoffFunction, index: number, value: unknown) => unknown; cleanUp: () => void } {
  let dir: string | undefined;
  let files = 0;
  return {
    deliver(fn, index, value) {
      const as = inputDelivery(fn.meta.inputs, index);
      if (as === "value") return value;
      const bytes = encodedBytes(value);
      if (as === "stream") return Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)], { objectMode: false });
      dir ??= mkdtempSync(join(tmpdir(), "handoff-local-"));
      const path = join(dir, `input-${++files}.bin`);
      writeFileSync(path, bytes, { mode: 0o400 });
      return path;
    },
    cleanUp() {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function encodedBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  return encodeValue(value).subarray(1); // the codec's JSON payload without its frame tag, as agents store it
}

/** A result given as a stream of bytes: an async iterable (a `Readable`, an async generator…) that is not a byte array. */
export function isByteStream(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && !ArrayBuffer.isView(value) && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}

/** In-process a result returned as a stream of bytes is gathered into one `Uint8Array` (values live in memory here). */
export async function collectByteStream(stream: AsyncIterable<unknown>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (!(chunk instanceof Uint8Array)) throw new TypeError(`a streamed result must yield Uint8Array chunks; chunk at byte ${size} is ${chunk === null ? "null" : typeof chunk}`);
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}
