import { close, read } from "node:fs";
import type { Writable } from "node:stream";
import { BLOCK_BYTES } from "./body-blocks.ts";

// A value on disk is sent in BLOCK_BYTES blocks, two of them reused: one is read while the other is written.

/**
 * Sends `size` bytes of the open file `fd` to `out` and closes `fd`: the blocks are reused (read straight into them,
 * written from them), so a value larger than memory costs no allocations and no garbage. Rejects when the file ends
 * early or `out` fails or closes before the last byte.
 */
export async function sendFile(fd: number, size: number, out: Writable): Promise<void> {
  const blockBytes = Math.max(1, Math.min(BLOCK_BYTES, size));
  const blocks = [Buffer.allocUnsafeSlow(blockBytes), Buffer.allocUnsafeSlow(size > blockBytes ? blockBytes : 1)];
  const writing: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  let closed!: (error: Error) => void;
  const gone = new Promise<never>((_resolve, reject) => (closed = reject));
  gone.catch(() => undefined);
  const onClose = (): void => closed(new Error("the connection closed before the whole value was sent"));
  out.once("close", onClose);
  try {
    for (let offset = 0, index = 0; offset < size; index ^= 1) {
      const block = blocks[index]!;
      await Promise.race([writing[index], gone]); // the block's previous write has left it
      const length = Math.min(blockBytes, size - offset);
      await readFully(fd, block, length, offset); // not raced: the file is closed only after its last read
      writing[index] = writeOut(out, block.subarray(0, length));
      writing[index]!.catch(() => undefined); // awaited above or below
      offset += length;
    }
    await Promise.race([Promise.all(writing), gone]);
  } finally {
    out.off("close", onClose);
    // Settled only once the descriptor is closed: "closes fd" holds when the promise does (a close left running
    // was still open 10 ms later under CI's load).
    await new Promise<void>((done) => close(fd, () => done()));
  }
}

function readFully(fd: number, target: Buffer, length: number, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (done: number): void => {
      if (done === length) return resolve();
      read(fd, target, done, length - done, position + done, (error, bytes) => {
        if (error !== null) return reject(error);
        if (bytes === 0) return reject(new Error(`the stored file ended after ${position + done} bytes`));
        next(done + bytes);
      });
    };
    next(0);
  });
}

function writeOut(out: Writable, bytes: Uint8Array): Promise<void> {
  // The callback runs once the bytes have left this process (or failed): only then is the block reused.
  return new Promise((resolve, reject) => out.write(bytes, (error) => (error === undefined || error === null ? resolve() : reject(error))));
}
