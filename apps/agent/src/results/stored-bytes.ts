import { close, read as fsRead, readFile } from "node:fs";
import { Readable } from "node:stream";

// How the store hands out a stored value's bytes: as a stream of its memory, or read from its file through a
// descriptor opened before (so a concurrent eviction's unlink cannot pull the file from under the reader).

/** The chunk a value in memory is streamed in. */
export const streamChunkBytes = 1024 * 1024;

export function streamBytes(bytes: Uint8Array): Readable {
  function* chunks(): Generator<Buffer> {
    for (let offset = 0; offset < bytes.byteLength; offset += streamChunkBytes) {
      const length = Math.min(streamChunkBytes, bytes.byteLength - offset);
      yield Buffer.from(bytes.buffer, bytes.byteOffset + offset, length);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

// Reads through an already-open descriptor (immune to a concurrent unlink) into one buffer sized by fstat.
export function readWholeFile(fd: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    readFile(fd, (readError, data) => {
      close(fd, () => (readError === null ? resolve(data) : reject(readError)));
    });
  });
}

// Reads a file of `size` bytes into shared memory, which a worker thread then receives without a copy.
export async function readSharedFile(fd: number, size: number): Promise<Uint8Array> {
  const target = new Uint8Array(new SharedArrayBuffer(size));
  const readAt = (offset: number): Promise<number> =>
    new Promise((resolve, reject) => fsRead(fd, target, offset, Math.min(size - offset, 2 ** 30), offset, (error, bytes) => (error === null ? resolve(bytes) : reject(error))));
  try {
    for (let offset = 0; offset < size; ) {
      const bytes = await readAt(offset);
      if (bytes === 0) throw new Error(`stored file ended after ${offset} of its ${size} bytes`);
      offset += bytes;
    }
  } finally {
    close(fd, () => undefined);
  }
  return target;
}
